"""Admin for the half-hourly readings owed to Axle: what was sent, what Axle refused and why.

Registered when smartcharging/admin.py imports this module. Rows are written by
`smartcharging.services.readings` only; the one thing an admin does here is send refused readings
again once the cause is fixed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from smartcharging.models import ReadingDelivery
from smartcharging.services.readings import readings_retry


@admin.register(ReadingDelivery)
class ReadingDeliveryAdmin(admin.ModelAdmin[ReadingDelivery]):
    list_display = (
        "asset",
        "interval_start",
        "energy_kwh",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state",)
    date_hierarchy = "interval_start"
    search_fields = ("asset__external_id", "asset__ocpp_charge_point_id")
    list_select_related = ("asset",)
    show_full_result_count = False  # one row per charger per half hour: the table is large
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReadingDelivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReadingDelivery | None = None) -> bool:
        return False  # a deleted row would be collected again and resent

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        # The rows themselves are read-only, but whoever may change them may ask for a resend.
        return request.user.has_perm("smartcharging.change_readingdelivery")

    @admin.action(description="Send again (refused readings only)", permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[ReadingDelivery]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        count = readings_retry(ids=selected)
        self.message_user(request, f"{count} reading(s) will be sent again within five minutes.", messages.SUCCESS)
        if skipped := len(selected) - count:
            self.message_user(
                request,
                f"{skipped} selected reading(s) were not refused and were left alone.",
                messages.WARNING,
            )
