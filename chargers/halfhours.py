"""Half-hourly energy from a charger's cumulative meter register.

Chargers report OCPP 1.6 ``Energy.Active.Import.Register`` readings (Wh, cumulative) whenever they
like; Axle wants ``charger_consumption_energy_kwh`` per half hour [start, end) aligned to :00 and :30
UTC. This module is pure (no models, no database) so the arithmetic can be tested exhaustively.

Energy is accumulated as exact fractions of a Wh and rounded only once, at the end, so the reported
intervals add up to what the meter counted.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

HALF_HOUR = timedelta(minutes=30)
DEFAULT_MAX_GAP = timedelta(hours=2)


def _require_aware(dt: datetime, name: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt!r}")


@dataclass(frozen=True)
class MeterSample:
    """One reading of the cumulative import register, in Wh."""

    taken_at: datetime
    register_wh: float

    def __post_init__(self) -> None:
        _require_aware(self.taken_at, "taken_at")
        if not math.isfinite(self.register_wh):
            raise ValueError(f"register_wh must be finite, got {self.register_wh!r}")


@dataclass(frozen=True)
class HalfHour:
    """Energy used in [start, end); ``estimated`` when the meter did not measure it closely."""

    start: datetime
    energy_kwh: Decimal
    estimated: bool

    @property
    def end(self) -> datetime:
        return self.start + HALF_HOUR


def half_hour_floor(dt: datetime) -> datetime:
    """Start (UTC) of the half hour containing ``dt``."""
    _require_aware(dt, "dt")
    utc = dt.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)


def half_hour_intervals(start: datetime, end: datetime) -> list[datetime]:
    """UTC starts of the half hours that together cover [start, end); empty if end <= start."""
    _require_aware(end, "end")
    current = half_hour_floor(start)
    starts = []
    while current < end:
        starts.append(current)
        current += HALF_HOUR
    return starts


def intervals_in_local_day(day: date, zone: tzinfo) -> list[datetime]:
    """UTC starts of the half hours of one local calendar day (46/50 on clock-change days).

    ``fold=0`` picks the first instant of midnight when it is repeated and, when midnight is skipped,
    the instant the day actually starts. In zones whose offset is not a whole half hour the first
    interval starts before local midnight, because Axle's intervals are aligned in UTC.
    """
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return half_hour_intervals(start, end)


def half_hourly_energy(
    samples: Iterable[MeterSample],
    *,
    max_gap: timedelta = DEFAULT_MAX_GAP,
    until: datetime | None = None,
) -> list[HalfHour]:
    """Energy per UTC half hour, sorted by start, for every half hour touched by the samples.

    Samples may come in any order and repeat. Pass ``until=now`` to keep only intervals that have
    ended; intervals at the edges of the samples are only partly covered by readings, so a late
    sample can still add energy to them.
    """
    if max_gap <= timedelta(0):
        raise ValueError("max_gap must be positive")
    if until is not None:
        _require_aware(until, "until")

    # A repeated timestamp is the same reading delivered twice (or a retransmission); the register
    # only grows within a series, so the largest value is the most complete one.
    register_at: dict[datetime, float] = {}
    for sample in samples:
        taken_at = sample.taken_at.astimezone(UTC)
        register_at[taken_at] = max(sample.register_wh, register_at.get(taken_at, -math.inf))
    readings = sorted(register_at.items())

    energy_wh: dict[datetime, Fraction] = {}
    estimated: set[datetime] = set()
    for (t0, r0), (t1, r1) in itertools.pairwise(readings):
        used_wh = Fraction(r1) - Fraction(r0)
        # A drop means the register restarted (reboot, meter swap, rollover). The later sample starts
        # a new series and the span counts as 0: neither the energy after the last old reading nor
        # the new register's starting point is known, and counting r1 from zero would invent energy
        # for a meter swapped in at a non-zero reading. The span is flagged estimated instead.
        is_reset = used_wh < 0
        if is_reset:
            used_wh = Fraction(0)
        # A long gap (lost connectivity, charger offline) is still spread linearly: the register
        # proves the energy was used somewhere in the gap, and dropping it would break the totals
        # Axle settles on. We just cannot say when, so those intervals are flagged.
        is_guess = is_reset or t1 - t0 > max_gap
        span_us = _microseconds(t1 - t0)
        for start in half_hour_intervals(t0, t1):
            overlap_us = _microseconds(min(start + HALF_HOUR, t1) - max(start, t0))
            energy_wh[start] = energy_wh.get(start, Fraction(0)) + used_wh * overlap_us / span_us
            if is_guess:
                estimated.add(start)

    # Round the running total rather than each interval, so rounding errors never accumulate: the
    # reported intervals always sum to the exact total rounded to 1 Wh (0.001 kWh), and an interval
    # with no energy always reports exactly zero.
    result = []
    cumulative_wh = Fraction(0)
    reported_wh = 0
    for start in sorted(energy_wh):
        cumulative_wh += energy_wh[start]
        rounded_wh = round(cumulative_wh)
        result.append(HalfHour(start, Decimal(rounded_wh - reported_wh).scaleb(-3), estimated=start in estimated))
        reported_wh = rounded_wh
    if until is not None:
        result = [interval for interval in result if interval.end <= until]
    return result


def _microseconds(duration: timedelta) -> int:
    return duration // timedelta(microseconds=1)
