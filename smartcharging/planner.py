"""One night's charging plan from a tariff's off-peak windows, planned the way Axle documents Smart Charging.

Two callers share it: the platform's safety net (Axle's schedule is missing or would miss the ready-by)
and the local stand-in for Axle's servers, which must answer Axle's documented example with exactly
Axle's documented profile. Pure: plain values in, a ChargingProfile and an explanation out; no
database, no clock, no I/O.

Axle's semantics, and the choices made where Axle says nothing:
- Off-peak time is every instant at which the site's wall clock reads a time inside a window (the
  same reading as plan.py), so the night window 23:30-05:30 lasts 5 h in real time when the clocks go
  forward and 7 h when they go back, and a window in the skipped hour does not happen that night.
- maximise_charging_time: the kWh is a minimum; every off-peak second before ready_by is charged at
  full power.
- minimise_charging_time: only the kWh asked for, in the EARLIEST off-peak time. Finishing as soon
  as the tariff allows leaves the most margin before ready_by: a late plug-in, a car that charges
  slower than declared or a charger that drops out can still catch up in the off-peak time left.
- Off-peak time cannot deliver the kWh: with may_charge_peak, just enough peak time for the
  shortfall, LATEST peak time first before ready_by. The car takes the off-peak energy first, so if
  the kWh was overestimated the car is already full when the peak stretch comes and draws nothing.
  Without may_charge_peak, all off-peak time is planned and the shortfall reported.
- Single rate (no windows, or rates saying the windows are not cheaper): all time costs the same,
  so both modes charge at once from `start` until the kWh is in, then pause. Maximise has no cheap
  time to fill beyond the need, and the same energy at the same price is best delivered soonest.
  uses_peak says whether the plan charges outside the windows, so it is False without windows.
- Times are whole seconds after `start` (OCPP's startPeriod is an integer). Window openings round up
  and closings and ready_by round down, so nothing is planned outside a window or after ready_by;
  boundaries are exact when `start` is on a whole second. A partial stretch (the end of a minimise
  charge, a peak top-up) has its charging time rounded UP to a whole minute, never past the stretch.
- Energies are exact Decimals (kW x seconds / 3600); callers round for display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar, get_args
from zoneinfo import ZoneInfo

from chargers.profiles import NO_LIMIT_W, ChargingProfile, SchedulePeriod
from smartcharging import offpeak
from smartcharging.axle.types import ChargingMode  # Axle's two modes, defined once with the client's types

MAXIMISE: ChargingMode = "maximise_charging_time"
MINIMISE: ChargingMode = "minimise_charging_time"
AXLE_STACK_LEVEL = 1100  # what Axle sends; the platform lowers it for the charger when translating
PHASES = 1  # as in Axle's example: "full power" is the charger's own limit, whatever its phases

Interval = tuple[int, int]  # [from, to) in whole seconds after the plan's start
Stretch = tuple[datetime, datetime]  # [from, to) in UTC

_T = TypeVar("_T", int, datetime)
_SECOND = timedelta(seconds=1)
_MINUTE_S = 60
_PROBE = timedelta(hours=1)  # clocks never change twice within an hour, so hourly probes find each change


@dataclass(frozen=True)
class PlanRequest:
    """What the planner needs: the car's need and the tariff's off-peak windows in the site's zone."""

    start: datetime  # plug-in time, or now; aware
    ready_by: datetime  # aware, after start
    energy_kwh: Decimal | float
    power_kw: Decimal | float  # what the car and charger together can draw
    off_peak: Sequence[offpeak.Window]  # empty for a single-rate tariff
    zone: ZoneInfo  # the site's, in which the windows are wall-clock times
    mode: ChargingMode
    may_charge_peak: bool = False
    peak_rate_pence: Decimal | float | None = None  # per kWh
    off_peak_rate_pence: Decimal | float | None = None  # per kWh

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.ready_by, "ready_by")
        if self.ready_by - self.start < _SECOND:
            raise ValueError(
                f"ready_by ({self.ready_by.isoformat()}) must be after start ({self.start.isoformat()}), "
                "by a second at least."
            )
        if _decimal(self.energy_kwh, "energy_kwh") < 0:
            raise ValueError(f"energy_kwh must be zero or more, not {self.energy_kwh}.")
        if _decimal(self.power_kw, "power_kw") <= 0:
            raise ValueError(f"power_kw must be more than zero, not {self.power_kw}: the car could never charge.")
        for name in ("peak_rate_pence", "off_peak_rate_pence"):
            value = getattr(self, name)
            if value is not None and _decimal(value, name) < 0:
                raise ValueError(f"{name} must be zero or more, not {value}.")
        if self.mode not in get_args(ChargingMode):
            raise ValueError(f"mode must be {MAXIMISE!r} or {MINIMISE!r}, not {self.mode!r}.")
        if not isinstance(self.zone, ZoneInfo):
            raise ValueError(f"zone must be a zoneinfo.ZoneInfo such as ZoneInfo('Europe/London'), not {self.zone!r}.")
        # A tuple, so that a request is hashable and nobody can change its windows afterwards.
        object.__setattr__(self, "off_peak", tuple(self.off_peak))


@dataclass(frozen=True)
class Plan:
    profile: ChargingProfile
    planned_kwh: Decimal  # all the energy the profile plans (maximise may plan more than asked)
    reaches_kwh_at: datetime | None  # when the asked-for kWh is in (UTC); None if it never is
    shortfall_kwh: Decimal  # what the plan cannot deliver by ready_by; 0 when it can
    uses_peak: bool
    charging: tuple[Stretch, ...]  # the stretches at full power, in UTC
    cost_pence: Decimal | None  # of planned_kwh, when a unit rate is known
    reasons: tuple[str, ...] = field(default=())  # for people: why the plan is what it is


def plan_charging(request: PlanRequest, *, stack_level: int = AXLE_STACK_LEVEL) -> Plan:
    """The plan for `request`, as the ChargingProfile Axle would push, with what it delivers and why."""
    if stack_level < 0:
        raise ValueError(f"stack_level must be zero or more, not {stack_level}.")
    start = request.start.astimezone(UTC)
    horizon = _whole_seconds(request.ready_by - request.start)
    energy = _decimal(request.energy_kwh, "energy_kwh")
    power = _decimal(request.power_kw, "power_kw")
    need_s = energy * 3600 / power  # exact seconds at full power the car needs
    off_peak = _to_offsets(off_peak_intervals(request.off_peak, request.zone, start, request.ready_by), start, horizon)
    reasons: list[str] = []

    flat = _single_rate_reason(request)
    if flat is not None:
        reasons.append(flat)
        charged, peak = _take_earliest([(0, horizon)], need_s), []
    else:
        reasons.append(_describe_off_peak(off_peak, power, start, request.zone))
        charged = off_peak if request.mode == MAXIMISE else _take_earliest(off_peak, need_s)
        missing_s = need_s - _length(charged)
        use_peak = missing_s > 0 and request.may_charge_peak
        peak = _take_latest(_complement(off_peak, horizon), missing_s) if use_peak else []

    charging = _merge(charged + peak)
    charging_s, off_peak_charging_s = _length(charging), _overlap(charging, off_peak)
    planned = power * charging_s / 3600
    stretches = [(start + timedelta(seconds=a), start + timedelta(seconds=b)) for a, b in charging]
    reaches = _reaches(charging, need_s, start)
    shortfall = max(energy - planned, Decimal(0))
    reasons.extend(
        _explain(
            request,
            energy,
            power,
            flat=flat is not None,
            charged=charged,
            peak=peak,
            reaches=reaches,
            shortfall=shortfall,
            start=start,
        )
    )
    return Plan(
        profile=_profile(charging, start=start, horizon=horizon, stack_level=stack_level),
        planned_kwh=planned,
        reaches_kwh_at=reaches,
        shortfall_kwh=shortfall,
        # With windows, time outside them is peak even where equal rates made the plan ignore them.
        uses_peak=bool(request.off_peak) and charging_s > off_peak_charging_s,
        charging=tuple(stretches),
        cost_pence=_cost(request, power, off_peak_s=off_peak_charging_s, peak_s=charging_s - off_peak_charging_s),
        reasons=tuple(reasons),
    )


def off_peak_intervals(
    windows: Sequence[offpeak.Window], zone: ZoneInfo, start: datetime, end: datetime
) -> list[Stretch]:
    """The UTC stretches of [start, end) at which the wall clock in `zone` reads a time in a window, merged."""
    segments = offpeak.day_segments(list(windows))
    found: list[Stretch] = []
    for t0, t1, offset in _constant_offset_stretches(zone, start.astimezone(UTC), end.astimezone(UTC)):
        # Within a stretch the wall clock is UTC plus a fixed offset, so the windows map over exactly.
        local0, local1 = (t0 + offset).replace(tzinfo=None), (t1 + offset).replace(tzinfo=None)
        day = local0.date()
        while day <= local1.date():
            midnight = datetime.combine(day, time())
            for segment in segments:
                lo = max(midnight + timedelta(minutes=segment.start), local0)
                hi = min(midnight + timedelta(minutes=segment.end), local1)
                if lo < hi:
                    found.append(((lo - offset).replace(tzinfo=UTC), (hi - offset).replace(tzinfo=UTC)))
            day += timedelta(days=1)
    return _merge(found)


def profile_to_axle_json(profile: ChargingProfile) -> dict[str, object]:
    """`profile` in the JSON shape Axle pushes (its documented example), nulls included."""
    return {
        "chargingProfileId": profile.charging_profile_id,
        "transactionId": profile.transaction_id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": profile.purpose,
        "chargingProfileKind": profile.kind,
        "recurrencyKind": profile.recurrency_kind,
        "validFrom": _iso(profile.valid_from),
        "validTo": _iso(profile.valid_to),
        "chargingSchedule": {
            "duration": profile.duration_s,
            "startSchedule": _iso(profile.start_schedule),
            "chargingRateUnit": profile.rate_unit,
            "chargingSchedulePeriod": [
                {"startPeriod": p.start_period_s, "limit": float(p.limit), "numberPhases": p.number_phases}
                for p in profile.periods
            ],
            "minChargingRate": profile.min_charging_rate,
        },
    }


# --- Input --------------------------------------------------------------------------------------


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, not {moment!r}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} ({moment.isoformat()}) has no time zone; give it one, e.g. +00:00.")


def _decimal(value: Decimal | float, name: str) -> Decimal:
    """`value` as an exact Decimal (a float through its shortest repr: 7.4 -> 7.4, not 7.4000000000000003...)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        raise ValueError(f"{name} must be a number, not {value!r}.")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - str() of a float or int always parses
        raise ValueError(f"{name} must be a number, not {value!r}.") from exc
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}.")
    return number


def _optional_decimal(value: Decimal | float | None, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


def _rates(request: PlanRequest) -> tuple[Decimal | None, Decimal | None]:
    """(peak, off-peak) unit rates; as in plan.py, one rate given applies to all time."""
    peak = _optional_decimal(request.peak_rate_pence, "peak_rate_pence")
    off = _optional_decimal(request.off_peak_rate_pence, "off_peak_rate_pence")
    return (peak if peak is not None else off), (off if off is not None else peak)


def _single_rate_reason(request: PlanRequest) -> str | None:
    """Why all time costs the same (no windows, or rates showing the windows are no cheaper); None if not."""
    if not request.off_peak:
        return "No off-peak windows (single rate): all time costs the same."
    peak = _optional_decimal(request.peak_rate_pence, "peak_rate_pence")
    off = _optional_decimal(request.off_peak_rate_pence, "off_peak_rate_pence")
    if peak is not None and off is not None and off >= peak:
        # Waiting for the windows would only delay the car, so they are not treated as cheap time.
        return (
            f"The off-peak rate ({_pence(off)}) is no cheaper than the peak rate ({_pence(peak)}): "
            "all time costs the same."
        )
    return None


# --- Time ---------------------------------------------------------------------------------------


def _whole_seconds(delta: timedelta) -> int:
    return delta // _SECOND


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None  # noqa: S101 - a ZoneInfo always knows its offset
    return offset


def _constant_offset_stretches(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """[start, end) cut where the zone's UTC offset changes, each piece with its offset."""
    stretches = []
    t0 = start
    while t0 < end:
        offset = _offset(zone, t0)
        t1 = _next_offset_change(zone, t0, end, offset)
        stretches.append((t0, t1, offset))
        t0 = t1
    return stretches


def _next_offset_change(zone: ZoneInfo, after: datetime, end: datetime, offset: timedelta) -> datetime:
    """The first instant in (after, end) with an offset other than `offset`, else `end`."""
    probe = after
    while probe < end:
        previous, probe = probe, min(probe + _PROBE, end)
        if _offset(zone, probe) != offset:
            return _first_second_with_new_offset(zone, previous, probe, offset)
    return end


def _first_second_with_new_offset(zone: ZoneInfo, low: datetime, high: datetime, offset: timedelta) -> datetime:
    # Clock changes happen on whole seconds, so search the whole seconds in (low, high].
    lo, hi = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(zone, datetime.fromtimestamp(mid, UTC)) == offset:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _to_offsets(stretches: list[Stretch], start: datetime, horizon: int) -> list[Interval]:
    """UTC stretches as whole seconds after `start`, shrunk inwards so that none grows past its edges."""
    intervals = []
    for t0, t1 in stretches:
        a = max(-_whole_seconds(start - t0), 0)  # ceiling: a window opening mid-second starts a second later
        b = min(_whole_seconds(t1 - start), horizon)
        if a < b:
            intervals.append((a, b))
    return intervals


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


# --- Choosing the charging time -------------------------------------------------------------------


def _length(intervals: Sequence[Interval]) -> int:
    return sum(b - a for a, b in intervals)


def _partial(remaining_s: Decimal, available: int) -> int:
    """Charging time for the last, partial stretch: up to a whole minute, but no longer than the stretch."""
    return min(math.ceil(remaining_s / _MINUTE_S) * _MINUTE_S, available)


def _take_earliest(intervals: Sequence[Interval], need_s: Decimal) -> list[Interval]:
    """The earliest `need_s` seconds of `intervals` (all of them if they are shorter)."""
    taken, remaining = [], need_s
    for a, b in intervals:
        if remaining <= 0:
            break
        if remaining >= b - a:
            taken.append((a, b))
        else:
            taken.append((a, a + _partial(remaining, b - a)))
        remaining -= b - a
    return taken


def _take_latest(intervals: Sequence[Interval], need_s: Decimal) -> list[Interval]:
    """The latest `need_s` seconds of `intervals` (all of them if they are shorter), in time order."""
    taken, remaining = [], need_s
    for a, b in reversed(intervals):
        if remaining <= 0:
            break
        if remaining >= b - a:
            taken.append((a, b))
        else:
            taken.append((b - _partial(remaining, b - a), b))
        remaining -= b - a
    return sorted(taken)


def _overlap(first: Sequence[Interval], second: Sequence[Interval]) -> int:
    """Seconds that two lists of disjoint intervals share."""
    return sum(max(min(b, d) - max(a, c), 0) for a, b in first for c, d in second)


def _complement(intervals: Sequence[Interval], horizon: int) -> list[Interval]:
    """The parts of [0, horizon) outside the sorted, disjoint `intervals`."""
    gaps, cursor = [], 0
    for a, b in intervals:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < horizon:
        gaps.append((cursor, horizon))
    return gaps


def _merge(intervals: Sequence[tuple[_T, _T]]) -> list[tuple[_T, _T]]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[tuple[_T, _T]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _reaches(charging: Sequence[Interval], need_s: Decimal, start: datetime) -> datetime | None:
    """When `need_s` seconds of charging are done, up to the second; None if never.

    Counted in seconds of full power rather than kWh (as plan.py's summary does) so that a charge
    ending exactly on the need is never read a second late through rounding of kWh fractions.
    """
    if need_s <= 0:
        return start
    remaining = need_s
    for a, b in charging:
        if remaining <= b - a:
            return start + timedelta(seconds=a + math.ceil(remaining))
        remaining -= b - a
    return None


# --- Output ---------------------------------------------------------------------------------------


def _profile(charging: list[Interval], *, start: datetime, horizon: int, stack_level: int) -> ChargingProfile:
    """Pause and full power alternating from 0; a charge running to ready_by needs no closing pause."""
    limits: list[tuple[int, float]] = [(0, 0.0)]
    for a, b in charging:
        limits.append((a, NO_LIMIT_W))
        if b < horizon:
            limits.append((b, 0.0))
    periods: list[SchedulePeriod] = []
    for offset, limit in limits:
        if periods and periods[-1].start_period_s == offset:
            periods.pop()  # a charge from 0 replaces the opening pause
        if not periods or periods[-1].limit != limit:
            periods.append(SchedulePeriod(offset, limit, PHASES))
    return ChargingProfile(
        stack_level=stack_level,
        purpose="TxProfile",
        kind="Absolute",
        rate_unit="W",
        periods=tuple(periods),
        start_schedule=start,
        duration_s=horizon,
        min_charging_rate=0.0,
    )


def _cost(request: PlanRequest, power: Decimal, *, off_peak_s: int, peak_s: int) -> Decimal | None:
    peak_rate, off_rate = _rates(request)
    if peak_rate is None or off_rate is None:
        return None
    if not request.off_peak:
        off_rate = peak_rate  # a single-rate tariff's rate is its peak rate, as in plan.py
    return power * (off_rate * off_peak_s + peak_rate * peak_s) / 3600


# --- Explanation ----------------------------------------------------------------------------------


def _explain(
    request: PlanRequest,
    energy: Decimal,
    power: Decimal,
    *,
    flat: bool,
    charged: list[Interval],
    peak: list[Interval],
    reaches: datetime | None,
    shortfall: Decimal,
    start: datetime,
) -> list[str]:
    zone = request.zone

    def spans(intervals: list[Interval]) -> str:
        return _spans(intervals, start, zone)

    ready = f"ready-by {_clock(request.ready_by, zone)}"
    lines = []
    if energy == 0 and not charged:
        lines.append("Nothing to charge: the car needs 0 kWh.")
    elif flat:
        lines.append(f"Charging at once, {spans(charged)}, until {_kwh(energy)} kWh is in; then pausing.")
    elif request.mode == MAXIMISE:
        lines.append(f"Maximise: charging all off-peak time before {ready}, {spans(charged) or 'none'}.")
    else:
        lines.append(f"Minimise: {_kwh(energy)} kWh in the earliest off-peak time, {spans(charged) or 'none'}.")
    offered = power * _length(charged) / 3600
    if peak:
        lines.append(
            f"Off-peak time delivers {_kwh(offered)} of {_kwh(energy)} kWh; "
            f"adding peak time, latest first: {spans(peak)}."
        )
    if shortfall > 0:
        why = "there is not enough time" if flat or request.may_charge_peak else "peak charging is not allowed"
        lines.append(f"{_kwh(shortfall)} kWh short at {ready}: {why}.")
    elif reaches is not None and energy > 0:
        lines.append(f"{_kwh(energy)} kWh is in by {_clock(reaches, zone)}, before {ready}.")
    return lines


def _describe_off_peak(cheap: list[Interval], power: Decimal, start: datetime, zone: ZoneInfo) -> str:
    if not cheap:
        return "No off-peak time between plug-in and ready-by."
    seconds = _length(cheap)
    return (
        f"Off-peak before ready-by: {_spans(cheap, start, zone)} ({_duration(seconds)}), "
        f"up to {_kwh(power * seconds / 3600)} kWh at {_kwh(power)} kW."
    )


def _spans(intervals: Sequence[Interval], start: datetime, zone: ZoneInfo) -> str:
    """'23:30-05:30, 13:00-16:00' in the site's wall-clock time."""
    return ", ".join(
        f"{_clock(start + timedelta(seconds=a), zone)}-{_clock(start + timedelta(seconds=b), zone)}"
        for a, b in intervals
    )


def _clock(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def _duration(seconds: int) -> str:
    minutes = math.ceil(seconds / _MINUTE_S)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _kwh(value: Decimal) -> str:
    """30 -> '30', 44.4 -> '44.4', 30.0933 -> '30.1': one decimal, without a trailing '.0'."""
    text = f"{value.quantize(Decimal('0.1')):f}"
    return text.removesuffix(".0")


def _pence(value: Decimal) -> str:
    return f"{value.normalize():f}p"


def plan_with_boost(request: PlanRequest, *, boost_until: datetime, stack_level: int = AXLE_STACK_LEVEL) -> Plan:
    """A "charge now" boost: full power from the start until `boost_until`, then the plan for what is left.

    The energy the boost delivers counts towards the need, so the night's plan only adds the rest.
    """
    start = request.start.astimezone(UTC)
    boost_end = min(boost_until.astimezone(UTC), request.ready_by.astimezone(UTC))
    if boost_end <= start:
        return plan_charging(request, stack_level=stack_level)
    boost_s = _whole_seconds(boost_end - start)
    power = _decimal(request.power_kw, "power_kw")
    boosted_kwh = power * boost_s / 3600
    periods = [SchedulePeriod(0, NO_LIMIT_W, 1)]
    reasons = [f"Charge now: full power until {_clock(boost_end, request.zone)} ({boosted_kwh:.1f} kWh)."]
    if (request.ready_by - boost_end).total_seconds() >= 1:
        left_kwh = max(Decimal(0), _decimal(request.energy_kwh, "energy_kwh") - boosted_kwh)
        rest = plan_charging(replace(request, start=boost_end, energy_kwh=left_kwh), stack_level=stack_level)
        periods += [SchedulePeriod(p.start_period_s + boost_s, p.limit, p.number_phases) for p in rest.profile.periods]
        reasons += list(rest.reasons)
        planned, shortfall = boosted_kwh + rest.planned_kwh, rest.shortfall_kwh
    else:
        rest, planned = None, boosted_kwh
        shortfall = max(Decimal(0), _decimal(request.energy_kwh, "energy_kwh") - boosted_kwh)
    merged = [p for i, p in enumerate(periods) if i == 0 or p.limit != periods[i - 1].limit]
    profile = replace(
        plan_charging(request, stack_level=stack_level).profile,
        periods=tuple(merged),
    )
    need = _decimal(request.energy_kwh, "energy_kwh")
    if boosted_kwh >= need:
        reaches: datetime | None = start + timedelta(seconds=math.ceil(need * 3600 / power))
    else:
        reaches = None if rest is None else rest.reaches_kwh_at
    return Plan(
        profile=profile,
        planned_kwh=planned,
        reaches_kwh_at=reaches,
        shortfall_kwh=shortfall,
        uses_peak=True,  # a boost charges whatever the price
        charging=((start, boost_end), *(rest.charging if rest else ())),
        cost_pence=None,
        reasons=tuple(reasons),
    )
