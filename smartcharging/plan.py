"""What a charging schedule means for the homeowner: energy per half-hour, when the target is met, cost.

Pure: the inputs are plain values and dataclasses (no database), so pages, admin and tests share it.

Choices, where neither OCPP nor Axle says:
- A Relative profile, or one without startSchedule, starts at `start`; Recurring ones are refused
  (Axle sends Absolute). Outside the schedule (before it, after its duration, outside
  validFrom/validTo, before its first period) the planned power is 0: we do not assume the charger
  reverts to full power. Without a duration the last period lasts until `ready_by`.
- Slots are the UTC half-hours (:00/:30) from the one holding `start` up to the end of the plan,
  max(ready_by, schedule end), rounded up to a half-hour; energy counts only from `start`, and a
  slot's power_kw is its average over the part of the slot at or after `start`.
- A slot is off-peak when the site's wall clock at its midpoint is in a window (the majority rule
  for windows on whole minutes), so clock changes move the off-peak slots in UTC.
- cost_pence prices all planned energy (maximise mode plans more than the target). The saving
  compares like with like: charging the same energy (the target, or all the plan delivers if that
  is less) at full power from `start`, against the plan's first that-many kWh.
- Values are rounded only on output: kWh 3 dp, kW and pence 2 dp; reaches_target_at rounds up to the
  second. Totals are rounded from exact sums, so they may differ from the sum of rounded slots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from chargers.profiles import NO_LIMIT_W, NOMINAL_VOLTAGE_V, ChargerCapabilities, ChargingProfile
from smartcharging import offpeak

SLOT = timedelta(minutes=30)
_US_PER_HOUR = Decimal(3_600_000_000)
_KWH, _KW, _PENCE = Decimal("0.001"), Decimal("0.01"), Decimal("0.01")

Piece = tuple[datetime, datetime, Decimal]  # [from, to) at a constant power in kW


@dataclass(frozen=True)
class PlanSlot:
    """One UTC half-hour of the plan."""

    start: datetime  # UTC, :00 or :30
    power_kw: Decimal  # average planned power over the slot (from `start` in the first one)
    energy_kwh: Decimal
    off_peak: bool  # the site's wall-clock time at the slot's midpoint is in an off-peak window
    rate_pence: Decimal | None  # unit rate, when the tariff gives rates


@dataclass(frozen=True)
class PlanSummary:
    slots: tuple[PlanSlot, ...]
    energy_kwh: Decimal  # all planned energy from `start` to the end of the plan
    target_kwh: Decimal
    reaches_target_at: datetime | None  # None if the plan never delivers the target
    meets_ready_by: bool
    cost_pence: Decimal | None  # of all planned energy; None without rates
    charge_now_cost_pence: Decimal | None  # target_kwh at full power from `start`
    saving_pence: Decimal | None  # charging the same energy now, minus the plan's cost of it


def _hours(delta: timedelta) -> Decimal:
    return Decimal(delta // timedelta(microseconds=1)) / _US_PER_HOUR


def _floor_slot(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute // 30 * 30, second=0, microsecond=0)


def _ceil_slot(at: datetime) -> datetime:
    floor = _floor_slot(at)
    return floor if floor == at else floor + SLOT


def _utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return at.astimezone(UTC)


def period_power_kw(
    limit: float,
    number_phases: int | None,
    *,
    profile: ChargingProfile,
    charger: ChargerCapabilities,
    cap_kw: Decimal,
) -> Decimal:
    """A period's limit in kW: W as given, A x 230 V x phases; no-limit and anything above cap -> cap_kw."""
    if profile.rate_unit == "W":
        if limit >= NO_LIMIT_W:
            return cap_kw
        kw = Decimal(str(limit)) / 1000
    else:
        phases = number_phases or charger.phases
        kw = Decimal(str(limit)) * NOMINAL_VOLTAGE_V * phases / 1000
    return min(max(kw, Decimal(0)), cap_kw)


def _anchor(profile: ChargingProfile, start: datetime) -> datetime:
    """When the schedule's offsets count from."""
    if profile.kind == "Recurring":
        raise ValueError("a Recurring profile is not a one-night plan; only Absolute and Relative are planned")
    if profile.kind == "Relative" or profile.start_schedule is None:
        return start
    return _utc(profile.start_schedule, "start_schedule")


def _pieces(
    profile: ChargingProfile,
    *,
    charger: ChargerCapabilities,
    cap_kw: Decimal,
    anchor: datetime,
    start: datetime,
    end: datetime,
) -> list[Piece]:
    """The schedule as constant-power pieces, clipped to [start, end) and to the profile's validity."""
    lo = max(start, _utc(profile.valid_from, "valid_from")) if profile.valid_from else start
    hi = min(end, _utc(profile.valid_to, "valid_to")) if profile.valid_to else end
    if profile.duration_s is not None:
        hi = min(hi, anchor + timedelta(seconds=profile.duration_s))
    periods = sorted(profile.periods, key=lambda p: p.start_period_s)
    edges = [anchor + timedelta(seconds=p.start_period_s) for p in periods] + [hi]
    pieces: list[Piece] = []
    for period, t0, t1 in zip(periods, edges, edges[1:], strict=False):
        t0, t1 = max(t0, lo), min(t1, hi)
        if t1 > t0:
            kw = period_power_kw(period.limit, period.number_phases, profile=profile, charger=charger, cap_kw=cap_kw)
            pieces.append((t0, t1, kw))
    return pieces


def _reaches(pieces: list[Piece], target_kwh: Decimal, start: datetime) -> datetime | None:
    if target_kwh <= 0:
        return start
    remaining = target_kwh
    for t0, t1, kw in pieces:
        energy = kw * _hours(t1 - t0)
        if kw > 0 and energy >= remaining:
            seconds = (remaining / kw * 3600).to_integral_value(ROUND_CEILING)
            return t0 + timedelta(seconds=int(seconds))
        remaining -= energy
    return None


def _first_kwh_cost(slots: list[tuple[Decimal, Decimal]], kwh: Decimal) -> Decimal:
    """The cost of the first `kwh` of (energy, rate) half-hours, in order."""
    cost, remaining = Decimal(0), kwh
    for energy, rate in slots:
        if remaining <= 0:
            break
        cost += min(energy, remaining) * rate
        remaining -= energy
    return cost


def _charge_now_cost(
    start: datetime, full_kw: Decimal, kwh: Decimal, rate_of_slot: Callable[[datetime], Decimal]
) -> Decimal | None:
    """The cost of `kwh` charged at `full_kw` without a break from `start`, priced by half-hour."""
    if kwh > 0 and full_kw <= 0:
        return None  # it never arrives
    cost, remaining, slot = Decimal(0), kwh, _floor_slot(start)
    while remaining > 0:
        energy = min(full_kw * _hours(slot + SLOT - max(slot, start)), remaining)
        cost += energy * rate_of_slot(slot)
        remaining -= energy
        slot += SLOT
    return cost


def plan_summary(
    profile: ChargingProfile,
    *,
    charger: ChargerCapabilities,
    start: datetime,
    ready_by: datetime,
    target_kwh: Decimal,
    zone: ZoneInfo,
    off_peak_windows: list[offpeak.Window],
    peak_rate_pence: Decimal | None,
    off_peak_rate_pence: Decimal | None,
    vehicle_max_kw: Decimal | None = None,
) -> PlanSummary:
    """What `profile` plans from `start`: per half-hour energy and price, the target's time, the saving."""
    start, ready_by = _utc(start, "start"), _utc(ready_by, "ready_by")
    cap_kw = charger.rated_power_kw if vehicle_max_kw is None else min(charger.rated_power_kw, vehicle_max_kw)
    cap_kw = max(cap_kw, Decimal(0))
    anchor = _anchor(profile, start)
    schedule_end = None if profile.duration_s is None else anchor + timedelta(seconds=profile.duration_s)
    plan_end = max(ready_by, schedule_end) if schedule_end else ready_by
    pieces = _pieces(profile, charger=charger, cap_kw=cap_kw, anchor=anchor, start=start, end=plan_end)

    def is_off_peak(slot: datetime) -> bool:
        wall = (slot + SLOT / 2).astimezone(zone).time()
        return any(window.contains(wall) for window in off_peak_windows)

    # One rate given: it applies everywhere; no windows: the peak rate is the single rate.
    peak = peak_rate_pence if peak_rate_pence is not None else off_peak_rate_pence
    off = off_peak_rate_pence if off_peak_rate_pence is not None else peak_rate_pence

    def rate(slot: datetime) -> Decimal | None:
        return off if is_off_peak(slot) else peak

    slots: list[PlanSlot] = []
    energies: list[Decimal] = []  # unrounded, one per slot
    slot = _floor_slot(start)
    while slot < plan_end:
        s0, s1 = max(slot, start), slot + SLOT
        energy = sum(
            (kw * _hours(min(t1, s1) - max(t0, s0)) for t0, t1, kw in pieces if t0 < s1 and t1 > s0),
            Decimal(0),
        )
        energies.append(energy)
        slots.append(
            PlanSlot(
                start=slot,
                power_kw=(energy / _hours(s1 - s0)).quantize(_KW, ROUND_HALF_UP),
                energy_kwh=energy.quantize(_KWH, ROUND_HALF_UP),
                off_peak=is_off_peak(slot),
                rate_pence=rate(slot),
            )
        )
        slot = s1

    total = sum(energies, Decimal(0))
    reaches = _reaches(pieces, target_kwh, start)
    cost = charge_now = saving = None
    if peak is not None and off is not None:
        peak_p, off_p = peak, off

        def known_rate(slot: datetime) -> Decimal:
            return off_p if is_off_peak(slot) else peak_p

        priced = [(energy, known_rate(s.start)) for energy, s in zip(energies, slots, strict=True)]
        cost = _first_kwh_cost(priced, total)
        charge_now = _charge_now_cost(start, cap_kw, target_kwh, known_rate)
        compared = min(target_kwh, total)  # like with like: the same energy both ways
        charge_now_same = _charge_now_cost(start, cap_kw, compared, known_rate)
        if charge_now_same is not None:
            saving = charge_now_same - _first_kwh_cost(priced, compared)

    def pence(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(_PENCE, ROUND_HALF_UP)

    return PlanSummary(
        slots=tuple(slots),
        energy_kwh=total.quantize(_KWH, ROUND_HALF_UP),
        target_kwh=target_kwh.quantize(_KWH, ROUND_HALF_UP),
        reaches_target_at=reaches,
        meets_ready_by=reaches is not None and reaches <= ready_by,
        cost_pence=pence(cost),
        charge_now_cost_pence=pence(charge_now),
        saving_pence=pence(saving),
    )
