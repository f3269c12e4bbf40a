"""Changes to what a homeowner needs from a charger."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Asset
from smartcharging.axle.payloads import intent_payload, to_json
from smartcharging.localtime import local_to_utc
from smartcharging.models import WEEKDAY_FIELDS, AuditAction, ChargingIntent, ChargingMode, EventKind
from smartcharging.selectors import site_follows_smart_charging

from .audit import Actor, audit_record
from .outbox import event_enqueue


@transaction.atomic
def intent_set(
    *,
    asset: Asset,
    energy_required_kwh: Decimal,
    ready_by_local_time: time,
    charging_mode: ChargingMode | str = ChargingMode.MINIMISE,
    may_charge_peak: bool = False,
    energy_estimated: bool = False,
    weekday_ready_by: dict[int, time | None] | None = None,
    actor: Actor = None,
) -> ChargingIntent:
    """Set the charger's routine intent; per-weekday times given are replaced, others kept."""
    intent = ChargingIntent.objects.select_for_update().filter(asset=asset).first() or ChargingIntent(asset=asset)
    intent.energy_required_kwh = energy_required_kwh
    intent.ready_by_local_time = ready_by_local_time
    intent.charging_mode = charging_mode
    intent.may_charge_peak = may_charge_peak
    intent.energy_estimated = energy_estimated
    for weekday, at in (weekday_ready_by or {}).items():
        setattr(intent, WEEKDAY_FIELDS[weekday], at)
    return _save(
        intent, actor=actor, change=f"Routine: {intent.energy_required_kwh} kWh by {ready_by_local_time:%H:%M}"
    )


@transaction.atomic
def intent_set_one_off(
    *,
    asset: Asset,
    ready_by_local_time: time,
    energy_required_kwh: Decimal | None = None,
    now: datetime | None = None,
    actor: Actor = None,
) -> ChargingIntent:
    """A change for the next charge only ("tonight"): the routine is kept and resumes afterwards.

    The ready-by is the next time the site's clock shows `ready_by_local_time`. On a clock-change
    night that time may not exist or may happen twice; the homeowner is asked to pick another
    rather than the platform guessing which one they meant.
    """
    now = now or timezone.now()
    intent = ChargingIntent.objects.select_for_update().filter(asset=asset).first()
    if intent is None:
        raise ValidationError("Set your usual charging needs first; a one-off change adjusts them.")
    zone = asset.site.zone
    local_now = now.astimezone(zone)
    day = local_now.date()
    if ready_by_local_time <= local_now.time().replace(tzinfo=None):
        day += timedelta(days=1)
    try:
        ready_by = local_to_utc(day, ready_by_local_time, zone, strict=True)
    except ValidationError as error:
        raise ValidationError({"ready_by_local_time": error.messages}) from error
    intent.one_off_ready_by = ready_by
    intent.one_off_energy_kwh = energy_required_kwh
    kwh = f"{energy_required_kwh} kWh" if energy_required_kwh is not None else "the usual kWh"
    local = ready_by.astimezone(zone)
    return _save(intent, actor=actor, change=f"One-off: {kwh} by {local:%H:%M} on {local:%a %d %b} ({zone.key})")


@transaction.atomic
def intent_clear_one_off(*, asset: Asset, actor: Actor = None) -> ChargingIntent:
    intent = ChargingIntent.objects.select_for_update().get(asset=asset)
    intent.one_off_ready_by = None
    intent.one_off_energy_kwh = None
    return _save(intent, actor=actor, change="One-off change cancelled: back to the routine")


def _save(intent: ChargingIntent, *, actor: Actor, change: str) -> ChargingIntent:
    """Validate and store the changed intent, record who changed it, and owe Axle the new one (same transaction)."""
    intent.updated_at = timezone.now()
    intent.full_clean()
    intent.save()
    _tell_axle(intent)
    audit_record(
        action=AuditAction.INTENT_CHANGED,
        actor=actor,
        site=intent.asset.site,
        outcome=f"{intent.asset.ocpp_charge_point_id}: {change}.",
    )
    return intent


def _tell_axle(intent: ChargingIntent) -> None:
    # Flex Lite does not take intents; a Smart Charging site gets the one for the next charge.
    if site_follows_smart_charging(intent.asset.site_id):
        event_enqueue(
            site=intent.asset.site,
            asset=intent.asset,
            kind=EventKind.INTENT,
            payload={"intent": to_json(intent_payload(intent, now=timezone.now()))},
        )
