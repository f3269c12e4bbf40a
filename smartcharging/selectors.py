"""Reads of smart-charging state, shared by pages, admin, tasks and the Axle payload builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from smartcharging.localtime import local_to_utc
from smartcharging.models import ChargingIntent, Enrolment, EnrolmentStatus, Proposition


@dataclass(frozen=True)
class EffectiveIntent:
    """The intent that applies to the next charge: kWh to add by an instant."""

    energy_required_kwh: Decimal
    ready_by: datetime  # UTC
    ready_by_local_time: time
    is_one_off: bool


def intent_effective(intent: ChargingIntent, *, now: datetime, zone: ZoneInfo) -> EffectiveIntent:
    """The one-off change if it has not passed yet, else the next routine ready-by after `now`.

    The weekday rule is the weekday of the ready-by itself: "ready by 06:00 on Mondays" is the
    Monday morning, whichever evening the car was plugged in.
    """
    if intent.one_off_ready_by and intent.one_off_ready_by > now:
        return EffectiveIntent(
            energy_required_kwh=intent.one_off_energy_kwh or intent.energy_required_kwh,
            ready_by=intent.one_off_ready_by,
            ready_by_local_time=intent.one_off_ready_by.astimezone(zone).time().replace(tzinfo=None),
            is_one_off=True,
        )
    local_today = now.astimezone(zone).date()
    for days_ahead in range(8):
        day = local_today + timedelta(days=days_ahead)
        at = intent.ready_by_for_weekday(day.weekday())
        ready_by = local_to_utc(day, at, zone, strict=False)
        if ready_by > now:
            return EffectiveIntent(intent.energy_required_kwh, ready_by, at, is_one_off=False)
    raise AssertionError("unreachable: every weekday has a ready-by time")


def smart_charging_site_ids() -> QuerySet[Enrolment, int]:
    """Sites that follow Smart Charging: enrolled, or enrolment sent and Axle's answer not yet back.

    An enrolment under way counts: Axle may push a schedule, and needs our events, before its answer
    to the enrol call reaches us.
    """
    return Enrolment.objects.filter(
        proposition=Proposition.SMART_CHARGING,
        status__in=(EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED),
    ).values_list("site_id", flat=True)


def site_follows_smart_charging(site_id: int) -> bool:
    return smart_charging_site_ids().filter(site_id=site_id).exists()
