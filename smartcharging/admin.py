from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import WEEKDAY_FIELDS, AxleEvent, AxleEventAttempt, ChargingIntent, ChargingSchedule, Enrolment, Tariff
from .selectors import schedule_plan
from .services.delivery import events_retry
from .services.intents import intent_set
from .services.tariffs import tariff_set

admin.site.site_header = "Smart Charging operations"
admin.site.site_title = "Smart Charging admin"
admin.site.index_title = "Sites, chargers, Axle and migrations"


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin[Tariff]):
    list_display = (
        "site",
        "tariff_type",
        "name",
        "off_peak_windows",
        "axle_off_peak_times",
        "peak_rate_pence",
        "off_peak_rate_pence",
        "updated_at",
    )
    list_filter = ("tariff_type",)
    search_fields = ("name", "site__mpan", "site__postcode")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)

    readonly_fields = ("updated_at",)

    @admin.display(description="Sent to Axle as")
    def axle_off_peak_times(self, obj: Tariff) -> str:
        return obj.axle_off_peak_times or "(none)"

    def save_model(self, request: HttpRequest, obj: Tariff, form: Any, change: bool) -> None:
        # Through the service, as a homeowner's change is: Axle is told and the trail says who.
        saved = tariff_set(
            site=obj.site,
            tariff_type=obj.tariff_type,
            off_peak_windows=obj.off_peak_windows,
            name=obj.name,
            peak_rate_pence=obj.peak_rate_pence,
            off_peak_rate_pence=obj.off_peak_rate_pence,
            actor=request.user,
        )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at


@admin.register(ChargingIntent)
class ChargingIntentAdmin(admin.ModelAdmin[ChargingIntent]):
    list_display = (
        "asset",
        "energy_required_kwh",
        "ready_by_local_time",
        "charging_mode",
        "may_charge_peak",
        "one_off_ready_by",
        "updated_at",
    )
    list_filter = ("charging_mode", "may_charge_peak", "energy_estimated")
    search_fields = ("asset__ocpp_charge_point_id", "asset__external_id", "asset__site__mpan")
    list_select_related = ("asset",)
    autocomplete_fields = ("asset",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "asset",
                    "energy_required_kwh",
                    "ready_by_local_time",
                    "charging_mode",
                    "may_charge_peak",
                    "energy_estimated",
                )
            },
        ),
        (
            "Per-weekday ready-by",
            {"fields": WEEKDAY_FIELDS},
        ),
        ("One-off change", {"fields": ("one_off_energy_kwh", "one_off_ready_by")}),
    )
    # A one-off is the homeowner's own "tonight" change, made on their page.
    readonly_fields = ("one_off_energy_kwh", "one_off_ready_by")

    def save_model(self, request: HttpRequest, obj: ChargingIntent, form: Any, change: bool) -> None:
        # Through the service, as a homeowner's change is: Axle is told and the trail says who.
        saved = intent_set(
            asset=obj.asset,
            energy_required_kwh=obj.energy_required_kwh,
            ready_by_local_time=obj.ready_by_local_time,
            charging_mode=obj.charging_mode,
            may_charge_peak=obj.may_charge_peak,
            energy_estimated=obj.energy_estimated,
            weekday_ready_by={day: getattr(obj, field) for day, field in enumerate(WEEKDAY_FIELDS)},
            actor=request.user,
        )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = (
        "site",
        "proposition",
        "status",
        "requested_at",
        "enrolled_at",
        "unenrolled_at",
        "axle_status_code",
    )
    list_filter = ("proposition", "status")
    search_fields = ("site__mpan", "site__postcode", "site__street_address", "=site__axle_site_id")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)
    readonly_fields = ("axle_status_code", "axle_response", "updated_at")


class AxleEventAttemptInline(admin.TabularInline[AxleEventAttempt, AxleEvent]):
    model = AxleEventAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "outcome", "status_code", "duration_ms", "message", "error_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: AxleEvent | None = None) -> bool:
        return False


@admin.register(AxleEvent)
class AxleEventAdmin(admin.ModelAdmin[AxleEvent]):
    """The outbox: what the platform owes Axle, what Axle answered, and a way to try again."""

    list_display = (
        "id",
        "kind",
        "state",
        "site",
        "asset",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_status_code",
        "short_error",
    )
    list_filter = ("state", "kind", ("asset", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = (
        "=id",
        "site__mpan",
        "site__postcode",
        "asset__external_id",
        "asset__ocpp_charge_point_id",
        "last_error",
    )
    list_select_related = ("site", "asset")
    date_hierarchy = "created_at"
    inlines = [AxleEventAttemptInline]
    actions = ["retry_events"]
    readonly_fields = (
        "site", "asset", "kind", "state", "payload", "attempts", "next_attempt_at", "lease_expires_at",
        "created_at", "delivered_at", "last_status_code", "last_error", "response",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events are written by the services that make the change, never by hand

    @admin.display(description="Axle's answer")
    def short_error(self, obj: AxleEvent) -> str:
        return obj.last_error[:120]

    @admin.action(description="Try the selected failed events again", permissions=["change"])
    def retry_events(self, request: HttpRequest, queryset: QuerySet[AxleEvent]) -> None:
        count = events_retry(event_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} event(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} selected event(s) had not failed and were left alone.", messages.WARNING
            )


@admin.register(ChargingSchedule)
class ChargingScheduleAdmin(admin.ModelAdmin[ChargingSchedule]):
    """Every schedule Axle pushed, as received and as the charger will get it, with what it means."""

    list_display = ("id", "asset", "received_at", "shape", "is_current", "apply_state", "start_schedule", "duration_s")
    list_filter = ("is_current", "apply_state", "shape", "received_at")
    search_fields = ("=id", "envelope_id", "asset__external_id", "asset__ocpp_charge_point_id", "=asset__axle_asset_id")
    list_select_related = ("asset",)
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in ChargingSchedule._meta.fields] + ["plan"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # schedules come from Axle only

    @admin.display(description="What it means for the homeowner")
    def plan(self, obj: ChargingSchedule) -> str:
        summary = schedule_plan(obj, now=timezone.now())
        if summary is None:
            return "No intent on file for this charger."
        reached = (
            f"{summary.target_kwh} kWh reached at {summary.reaches_target_at.astimezone(obj.asset.site.zone):%a %H:%M}"
            if summary.reaches_target_at
            else f"{summary.target_kwh} kWh not reached"
        )
        verdict = "meets" if summary.meets_ready_by else "misses"
        cost = f"; about {summary.cost_pence}p" if summary.cost_pence is not None else ""
        return f"{summary.energy_kwh} kWh planned from now; {reached}; {verdict} the ready-by{cost}."


from . import admin_migration, admin_oauth, admin_readings, admin_sites  # noqa: E402, F401 - register their admins
