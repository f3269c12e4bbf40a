"""Changes to a site's tariff."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from chargers.models import Asset, Site
from smartcharging.axle.payloads import tariff_payload, to_json
from smartcharging.models import AuditAction, EventKind, Tariff, TariffType
from smartcharging.selectors import site_follows_smart_charging

from .audit import Actor, audit_record
from .outbox import event_enqueue


@transaction.atomic
def tariff_set(
    *,
    site: Site,
    tariff_type: TariffType | str,
    off_peak_windows: str = "",
    name: str = "",
    peak_rate_pence: Decimal | None = None,
    off_peak_rate_pence: Decimal | None = None,
    actor: Actor = None,
) -> Tariff:
    """Record the site's tariff (replacing the one on file); refuses an invalid one with every reason."""
    tariff = Tariff.objects.select_for_update().filter(site=site).first() or Tariff(site=site)
    tariff.tariff_type = tariff_type
    tariff.off_peak_windows = off_peak_windows
    tariff.name = name
    tariff.peak_rate_pence = peak_rate_pence
    tariff.off_peak_rate_pence = off_peak_rate_pence
    tariff.updated_at = timezone.now()
    tariff.full_clean()
    tariff.save()
    windows = f", off-peak {tariff.off_peak_windows}" if tariff.off_peak_windows else ""
    audit_record(
        action=AuditAction.TARIFF_CHANGED,
        actor=actor,
        site=site,
        outcome=f"{tariff.get_tariff_type_display()}{f' ({name})' if name else ''}{windows}.",
    )
    if site_follows_smart_charging(site.pk):
        for asset in site.assets.all():
            tariff_event_enqueue(tariff=tariff, asset=asset)
    return tariff


def tariff_event_enqueue(*, tariff: Tariff, asset: Asset) -> None:
    """Owe Axle the site's tariff for this charger (at enrolment, and on every change)."""
    event_enqueue(
        site=tariff.site,
        asset=asset,
        kind=EventKind.TARIFF,
        payload={"tariff": to_json(tariff_payload(tariff))},
    )
