"""The homeowner's "Charge now" boost, and its cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from chargers.models import Asset
from smartcharging.axle.session import format_timestamp
from smartcharging.models import EventKind
from smartcharging.selectors import site_follows_smart_charging

from .outbox import event_enqueue

MAX_BOOST = timedelta(hours=12)


@transaction.atomic
def boost_start(*, asset: Asset, duration: timedelta, now: datetime) -> datetime:
    """Charge at full power until now + duration; returns when the boost ends."""
    if not timedelta(minutes=15) <= duration <= MAX_BOOST:
        raise ValidationError("Choose a boost between 15 minutes and 12 hours.")
    _require_smart_charging(asset)
    end_at = now + duration
    event_enqueue(site=asset.site, asset=asset, kind=EventKind.CHARGE_NOW, payload={"end_at": format_timestamp(end_at)})
    return end_at


@transaction.atomic
def boost_cancel(*, asset: Asset) -> None:
    _require_smart_charging(asset)
    event_enqueue(site=asset.site, asset=asset, kind=EventKind.CHARGE_NOW_DELETED, payload={})


def _require_smart_charging(asset: Asset) -> None:
    if not site_follows_smart_charging(asset.site_id):
        raise ValidationError("Boost is part of Smart Charging, which this charger is not enrolled in.")
