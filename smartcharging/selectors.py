"""Reads of smart-charging state, shared by pages, admin, tasks and the Axle payload builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value, When

from chargers.models import Asset, ChargerState, RateUnits, Site
from chargers.profiles import ChargerCapabilities, ChargingProfile, RateUnit, SchedulePeriod
from smartcharging.compiled_query import CompiledLookup
from smartcharging.localtime import local_to_utc
from smartcharging.models import (
    ACTIVE_ENROLMENT_STATUSES,
    ChargingIntent,
    ChargingSchedule,
    Enrolment,
    Proposition,
    Tariff,
)
from smartcharging.plan import PlanSummary, plan_summary


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


# An enrolment under way counts as followed: Axle may act on it (push a schedule, expect our events)
# before its answer to the enrol call reaches us.


def smart_charging_site_ids() -> QuerySet[Enrolment, int]:
    """Sites that follow Smart Charging: enrolled, or enrolment sent and Axle's answer not yet back."""
    return Enrolment.objects.filter(
        proposition=Proposition.SMART_CHARGING, status__in=ACTIVE_ENROLMENT_STATUSES
    ).values_list("site_id", flat=True)


def site_follows_smart_charging(site_id: int) -> bool:
    return smart_charging_site_ids().filter(site_id=site_id).exists()


def site_product_expression() -> Case:
    """SQL for the product a site (the outer query's row) follows: Smart Charging first, else Flex Lite, else ""."""

    def follows(proposition: Proposition) -> Exists:
        return Exists(
            Enrolment.objects.filter(
                site_id=OuterRef("pk"), proposition=proposition, status__in=ACTIVE_ENROLMENT_STATUSES
            )
        )

    return Case(
        # Smart Charging wins: a site joining it stops behaving as Flex Lite at once.
        When(follows(Proposition.SMART_CHARGING), then=Value(Proposition.SMART_CHARGING.value)),
        When(follows(Proposition.FLEX_LITE), then=Value(Proposition.FLEX_LITE.value)),
        default=Value(""),
        output_field=CharField(),
    )


def site_product(site_id: int) -> Proposition | None:
    """The Axle product the site follows now: Smart Charging wins over Flex Lite; None if neither.

    Read at each event, so a site moved between products behaves as its new product from the next
    event on, even in the middle of a plug session.
    """
    product = Site.objects.filter(pk=site_id).values_list(site_product_expression(), flat=True).first()
    return Proposition(product) if product else None


def asset_taking_schedules(*, lock: bool = False, with_current: bool = False, **lookup: object) -> Asset | None:
    """The charger, with `follows_smart_charging` set, in one query (Axle pushes thousands at once).

    `lookup` is one field of the charger: pk, axle_asset_id or external_id. With `lock`, the same
    query takes the charger's row lock (in the caller's transaction). With `with_current`, it also
    reads what a push decides on about the current schedule: `current_pk`, `current_sha256`,
    `current_envelope_created_at` and `current_apply_state` (None if it has none). Those come from
    the query's snapshot, taken before any wait for the lock.
    """
    ((field, value),) = lookup.items()
    key = (field, lock, with_current)
    query = _ASSET_TAKING_SCHEDULES.get(key)
    if query is None:
        query = CompiledLookup(partial(_asset_taking_schedules, field, lock, with_current), Asset, field)
        _ASSET_TAKING_SCHEDULES[key] = query
    return query.first(value)


def _asset_taking_schedules(field: str, lock: bool, with_current: bool, value: object) -> QuerySet[Asset]:
    followed = smart_charging_site_ids().filter(site_id=OuterRef("site_id"))
    chargers = Asset.objects.select_for_update(of=("self",)) if lock else Asset.objects.all()
    chargers = chargers.filter(**{field: value}).annotate(follows_smart_charging=Exists(followed)).only("pk", "site_id")
    if with_current:
        chargers = chargers.annotate(
            current=FilteredRelation("schedules", condition=Q(schedules__is_current=True)),
            current_pk=F("current__pk"),
            current_sha256=F("current__profile_sha256"),
            current_envelope_created_at=F("current__envelope_created_at"),
            current_apply_state=F("current__apply_state"),
        )
    return chargers


# Compiled once per shape of lookup: a push's lookup is the hottest query of a re-optimisation.
_ASSET_TAKING_SCHEDULES: dict[tuple[str, bool, bool], CompiledLookup[Asset]] = {}


_OCPP_UNITS: dict[str, RateUnit] = {"Current": "A", "Power": "W"}
_UNITS: dict[str, frozenset[RateUnit]] = {
    RateUnits.WATTS_AND_AMPS: frozenset({"W", "A"}),
    RateUnits.WATTS: frozenset({"W"}),
    RateUnits.AMPS: frozenset({"A"}),
}


def charger_capabilities(asset: Asset) -> ChargerCapabilities:
    """What the charger accepts: its record, refined by the configuration it reported over OCPP."""
    state = ChargerState.objects.filter(asset_id=asset.pk).first()
    units = _UNITS[asset.rate_units]
    if state is not None and state.allowed_rate_units:
        # The charger's own ChargingScheduleAllowedChargingRateUnit is the truth; the record a guess.
        units = frozenset(_OCPP_UNITS[part] for part in state.allowed_rate_units.split(",") if part in _OCPP_UNITS)
    return ChargerCapabilities(
        rated_power_kw=asset.rated_power_kw,
        phases=asset.phases,
        max_current_a=asset.max_current_a,
        min_current_a=asset.min_current_a,
        rate_units=units or _UNITS[asset.rate_units],
        max_stack_level=state.max_stack_level if state else None,
        max_periods=state.max_periods if state else None,
    )


def stored_profile(schedule: ChargingSchedule) -> ChargingProfile:
    """The typed profile back from its stored, parsed fields."""
    return ChargingProfile(
        stack_level=schedule.stack_level,
        purpose=schedule.purpose,  # type: ignore[arg-type]  # validated on the way in
        kind=schedule.kind,  # type: ignore[arg-type]
        rate_unit=schedule.rate_unit,  # type: ignore[arg-type]
        periods=tuple(SchedulePeriod(p["start_period_s"], p["limit"], p["number_phases"]) for p in schedule.periods),
        start_schedule=schedule.start_schedule,
        duration_s=schedule.duration_s,
        min_charging_rate=schedule.min_charging_rate,
        recurrency_kind=schedule.recurrency_kind or None,  # type: ignore[arg-type]
    )


def schedule_plan(schedule: ChargingSchedule, *, now: datetime) -> PlanSummary | None:
    """What a schedule means for the homeowner: energy per half hour, when the kWh is reached, cost.

    None when the charger has no intent yet (there is no target to measure the plan against).
    """
    asset = schedule.asset
    intent = ChargingIntent.objects.filter(asset=asset).first()
    if intent is None:
        return None
    zone = asset.site.zone
    effective = intent_effective(intent, now=now, zone=zone)
    tariff = Tariff.objects.filter(site_id=asset.site_id).first()
    return plan_summary(
        stored_profile(schedule),
        charger=charger_capabilities(asset),
        start=max(now, schedule.start_schedule or now)
        if schedule.start_schedule and schedule.start_schedule > now
        else now,
        ready_by=effective.ready_by,
        target_kwh=effective.energy_required_kwh,
        zone=zone,
        off_peak_windows=tariff.windows if tariff else [],
        peak_rate_pence=tariff.peak_rate_pence if tariff else None,
        off_peak_rate_pence=tariff.off_peak_rate_pence if tariff else None,
    )
