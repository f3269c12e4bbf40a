"""The sites list for the Flex Lite to Smart Charging migration: product, readiness, actions, history.

It extends the chargers app's SiteAdmin (registered again here, so chargers stays unaware of the
smart-charging domain). Every readiness check is a column and a filter, computed in the list's
own query (`smartcharging.readiness`), so the list costs the same few queries for 50,000 sites.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from chargers.admin import AssetAdmin, SiteAdmin
from chargers.models import Asset, Site
from smartcharging.admin_site_record import SiteRecordCorrection
from smartcharging.models import (
    AuditEntry,
    AxleEvent,
    EventKind,
    EventState,
    MigrationDirection,
    MigrationItem,
    Proposition,
    SiteEligibility,
)
from smartcharging.readiness import CHECKS, Check, is_ready, missing, product_is, with_readiness
from smartcharging.services.eligibility import eligibility_check_queue
from smartcharging.services.migration import migration_prepare
from smartcharging.services.onboarding import changes_at_axle, charger_changed, sites_initialise_request

MIGRATE_PERMISSION = "smartcharging.migrate_sites"
PRODUCT_NAMES = {Proposition.SMART_CHARGING.value: "Smart Charging", Proposition.FLEX_LITE.value: "Flex Lite", "": "—"}


class ProductFilter(admin.SimpleListFilter):
    title = "product"
    parameter_name = "product"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Site]) -> list[tuple[str, str]]:
        return [("smart", "Smart Charging"), ("flex", "Flex Lite"), ("none", "Neither")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        product = {"smart": Proposition.SMART_CHARGING, "flex": Proposition.FLEX_LITE, "none": ""}.get(
            self.value() or ""
        )
        return queryset if product is None else queryset.filter(product_is(product))


class ReadinessFilter(admin.SimpleListFilter):
    title = "readiness for Smart Charging"
    parameter_name = "readiness"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Site]) -> list[tuple[str, str]]:
        return [("ready", "Ready"), *((f"missing_{c.key}", f"Missing: {c.label}") for c in CHECKS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Site]) -> QuerySet[Site]:
        value = self.value() or ""
        if value == "ready":
            return queryset.filter(is_ready())
        key = value.removeprefix("missing_")
        if value.startswith("missing_") and any(check.key == key for check in CHECKS):
            return queryset.filter(**{f"ready_{key}": False})
        return queryset


def _check_column(check: Check) -> Callable[[Site], bool]:
    def column(site: Site) -> bool:
        return bool(getattr(site, f"ready_{check.key}"))

    column.__name__ = f"ready_{check.key}"
    return admin.display(boolean=True, description=check.column, ordering=f"ready_{check.key}")(column)


admin.site.unregister(Site)
admin.site.unregister(Asset)


@admin.register(Asset)
class ChargerAxleAdmin(AssetAdmin):
    """Chargers as in the chargers app, and Axle told of a charger added or replaced (new hardware).

    Axle's id for the charger is Axle's answer: read-only here, corrected only on the site's
    "Correct consent or Axle ids" page (with a reason, audited).
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Asset | None = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "axle_asset_id")

    def save_model(self, request: HttpRequest, obj: Asset, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if charger_changed(asset=obj, created=not change, changed=form.changed_data, actor=request.user):
            self.message_user(request, f"Axle will be told about charger {obj.ocpp_charge_point_id}.")


@admin.register(Site)
class SiteMigrationAdmin(SiteRecordCorrection, SiteAdmin):
    list_display = ("__str__", "mpan", "household", "product", *(_check_column(check) for check in CHECKS))
    list_filter: ClassVar[tuple[Any, ...]] = (ProductFilter, ReadinessFilter, *SiteAdmin.list_filter)
    actions = [
        "migrate_to_smart_charging",
        "roll_back_to_flex_lite",
        "check_eligibility",
        "onboard_with_axle",
        "correct_record",
    ]
    readonly_fields: ClassVar[tuple[str, ...]] = (*SiteAdmin.readonly_fields, "readiness", "history")
    show_full_result_count = False  # a second count of 50,000 rows tells an admin nothing new

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        return with_readiness(super().get_queryset(request))

    def has_migrate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MIGRATE_PERMISSION)

    @admin.display(description="product", ordering="product")
    def product(self, site: Site) -> str:
        return PRODUCT_NAMES[getattr(site, "product", "")]

    @admin.display(description="Readiness for Smart Charging")
    def readiness(self, site: Site) -> str:
        lacking = missing(site)
        eligibility = SiteEligibility.objects.filter(site=site).first()
        axle = (
            f"Axle, {eligibility.checked_at:%Y-%m-%d %H:%M}Z: "
            + ("eligible." if eligibility.smart_charging else f"not eligible ({eligibility.issues or 'no reason'}).")
            if eligibility
            else "Axle has not been asked yet (action “Ask Axle about eligibility”)."
        )
        summary = "Ready." if not lacking else "Not ready: " + "; ".join(lacking) + "."
        return format_html("<p>Product: {}. {}</p><p>{}</p>", self.product(site), summary, axle)

    @admin.display(description="What happened to this site")
    def history(self, site: Site) -> str:
        entries = AuditEntry.objects.filter(site=site).select_related("run")[:50]
        items = MigrationItem.objects.filter(site=site).select_related("run").order_by("-pk")[:10]
        runs = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {} {}</li>',
            (
                (
                    reverse("admin:smartcharging_migrationrun_change", args=[i.run_id]),
                    i.run,
                    i.get_state_display(),
                    i.reason,
                )
                for i in items
            ),
        )
        trail = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (f"{e.at:%Y-%m-%d %H:%M}Z", e.actor_label or "the platform", e.get_action_display(), e.outcome)
                for e in entries
            ),
        )
        answers = AxleEvent.objects.filter(
            site=site, kind__in=(EventKind.ONBOARD, EventKind.INITIALISE), state=EventState.DELIVERED
        ).order_by("-pk")[:3]
        changed = format_html_join(
            "",
            "<li>{} {}: {}</li>",
            (
                (
                    e.get_kind_display(),
                    f"{e.delivered_at:%Y-%m-%d %H:%M}Z" if e.delivered_at else "",
                    changes_at_axle(e.response) or "Axle changed nothing on its side.",
                )
                for e in answers
            ),
        )
        return format_html(
            "<ul>{}{}</ul><table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Outcome</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            runs or format_html("<li>{}</li>", "In no migration yet."),
            changed,
            trail or format_html('<tr><td colspan="4">{}</td></tr>', "Nothing recorded yet."),
        )

    @admin.action(description="Migrate to Smart Charging… (shows what will happen first)", permissions=["migrate"])
    def migrate_to_smart_charging(self, request: HttpRequest, queryset: QuerySet[Site]) -> HttpResponse:
        return self._prepare(request, queryset, MigrationDirection.TO_SMART_CHARGING)

    @admin.action(description="Roll back to Flex Lite… (shows what will happen first)", permissions=["migrate"])
    def roll_back_to_flex_lite(self, request: HttpRequest, queryset: QuerySet[Site]) -> HttpResponse:
        return self._prepare(request, queryset, MigrationDirection.TO_FLEX_LITE)

    @admin.action(description="Ask Axle about eligibility", permissions=["migrate"])
    def check_eligibility(self, request: HttpRequest, queryset: QuerySet[Site]) -> None:
        count = eligibility_check_queue(site_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(
            request,
            f"Asking Axle about {count} site(s) in the background; the Eligible column fills in as answers arrive.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Onboard with Axle: initialise, check eligibility, enrol in Smart Charging", permissions=["migrate"]
    )
    def onboard_with_axle(self, request: HttpRequest, queryset: QuerySet[Site]) -> None:
        queued, refused = sites_initialise_request(
            sites=list(queryset), proposition=Proposition.SMART_CHARGING, actor=request.user
        )
        if queued:
            self.message_user(
                request,
                f"{len(queued)} site(s) sent to Axle to initialise; each is enrolled once Axle says it is eligible. "
                "What Axle changed on its side shows on each site's page.",
                messages.SUCCESS,
            )
        for site, reason in refused.items():
            self.message_user(request, f"{site}: not sent. {reason}", messages.WARNING)

    def _prepare(self, request: HttpRequest, queryset: QuerySet[Site], direction: MigrationDirection) -> HttpResponse:
        run = migration_prepare(sites=queryset, direction=direction, actor=request.user)
        return HttpResponseRedirect(reverse("admin:smartcharging_migrationrun_change", args=[run.pk]))
