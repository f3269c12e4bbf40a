"""A car plugged in or out, as the charger reports it; what Axle is told depends on the site's product.

Smart Charging sites send plug-in (with intent, tariff and vehicle) and plug-out; Flex Lite sites
send the user's own charging blocks at plug-in (plug-in-schedule), which Axle answers with the
blocks to apply. The product is read at each event, so a site moved mid-session follows its new
product from the next event on.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from chargers.models import Asset, PlugSession
from smartcharging import flex_lite
from smartcharging.axle.payloads import plug_in_payload, to_json
from smartcharging.models import ChargingIntent, ChargingSchedule, EventKind, Proposition, ScheduleSource, Tariff
from smartcharging.models.schedules import ApplyState
from smartcharging.selectors import intent_effective, site_follows_smart_charging, site_product

from .outbox import event_enqueue
from .schedules import schedule_acknowledge


@transaction.atomic(savepoint=False)  # inside a report's transaction: no savepoint, nothing here is recovered from
def charger_plugged_in(*, asset: Asset, at: datetime, vehicle_charging_rate_kw: Decimal | None = None) -> PlugSession:
    """Open a plug session (a repeated report of the same plug-in opens nothing new)."""
    Asset.objects.select_for_update().filter(pk=asset.pk).first()  # one report at a time per charger
    session = PlugSession.objects.filter(asset=asset, plugged_out_at__isnull=True).first()
    if session is not None:
        return session
    session = PlugSession.objects.create(
        asset=asset, plugged_in_at=at, vehicle_charging_rate_kw=vehicle_charging_rate_kw
    )
    product = site_product(asset.site_id)
    if product == Proposition.SMART_CHARGING:
        plug_in_event_enqueue(asset=asset, session=session, now=at)
    elif product == Proposition.FLEX_LITE:
        plug_in_schedule_enqueue(asset=asset, now=at)
    return session


def plug_in_event_enqueue(*, asset: Asset, session: PlugSession, now: datetime) -> None:
    """Tell Axle a car is plugged in, with what it needs to plan: intent, tariff, vehicle rate."""
    payload = plug_in_payload(
        intent=ChargingIntent.objects.filter(asset=asset).select_related("asset__site").first(),
        tariff=Tariff.objects.filter(site_id=asset.site_id).select_related("site").first(),
        vehicle_charging_rate_kw=session.vehicle_charging_rate_kw,
        now=now,
    )
    event_enqueue(site=asset.site, asset=asset, kind=EventKind.PLUG_IN, payload=payload)


def plug_in_schedule_enqueue(*, asset: Asset, now: datetime) -> None:
    """Flex Lite: send Axle the user's own charging blocks from plug-in (`flex_lite.own_blocks`)."""
    zone = asset.site.zone
    intent = ChargingIntent.objects.filter(asset=asset).first()
    tariff = Tariff.objects.filter(site_id=asset.site_id).first()
    blocks = flex_lite.own_blocks(
        plugged_in_at=now,
        intent=intent_effective(intent, now=now, zone=zone) if intent is not None else None,
        off_peak=tariff.windows if tariff else [],
        zone=zone,
        power_kw=asset.rated_power_kw,
    )
    payload = {"charging_schedule": [{"start_timestamp": start, "end_timestamp": end} for start, end in blocks]}
    event_enqueue(site=asset.site, asset=asset, kind=EventKind.PLUG_IN_SCHEDULE, payload=to_json(payload))


@transaction.atomic(savepoint=False)
def charger_unplugged(*, asset: Asset, at: datetime) -> PlugSession | None:
    """Close the open plug session; a repeated or stray unplug report changes nothing."""
    Asset.objects.select_for_update().filter(pk=asset.pk).first()
    session = PlugSession.objects.filter(asset=asset, plugged_out_at__isnull=True).first()
    if session is None:
        return None
    session.plugged_out_at = max(at, session.plugged_in_at)
    session.save(update_fields=["plugged_out_at"])
    if site_follows_smart_charging(asset.site_id):
        event_enqueue(site=asset.site, asset=asset, kind=EventKind.PLUG_OUT, payload={})
        _report_executed(asset, at=session.plugged_out_at)
    return session


def _report_executed(asset: Asset, *, at: datetime) -> None:
    """The session Axle's applied schedule was for has ended: tell Axle it was carried out (EXECUTED)."""
    applied = ChargingSchedule.objects.filter(
        asset=asset, is_current=True, apply_state=ApplyState.APPLIED, source=ScheduleSource.AXLE
    ).first()
    if applied is not None:
        schedule_acknowledge(applied, status="EXECUTED", at=at)
