"""Does the charger do what it was sent? Its composite schedule against the profile it accepted.

Pure: the gateway asks GetCompositeSchedule right after a profile is accepted; this compares the two
over the time both cover and says, in words, where they differ (a charger that caps the profile with
its own ChargePointMaxProfile, ignores a period, or kept an older profile shows up here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# Chargers round limits (to 0.1 A, whole W) and cap them at their own rating (7.4 kW is 32 A x 230 V =
# 7,360 W to a charger that counts in amps); a difference within 1% of the limit is the same limit.
_RELATIVE_TOLERANCE = 0.01
_ABSOLUTE_TOLERANCE = {"A": 0.1, "W": 10.0}
# Composite schedules start "now" with the charger's clock, to the second: boundaries a few seconds apart
# are the same boundary.
_TIME_TOLERANCE = timedelta(seconds=5)
_MAX_DIFFERENCES = 5


def composite_differences(
    *, sent: Mapping[str, Any], composite: Mapping[str, Any], asked_at: datetime | None
) -> list[str]:
    """Where the charger's composite schedule differs from the profile `sent` (empty: they agree)."""
    sent_schedule = sent.get("chargingSchedule") or {}
    comp_schedule = composite.get("chargingSchedule") or {}
    unit = str(sent_schedule.get("chargingRateUnit", "W"))
    comp_unit = str(comp_schedule.get("chargingRateUnit", unit))
    if comp_unit != unit:
        return [f"The charger reported its schedule in {comp_unit}, not in {unit} as asked; not compared."]
    comp_start = _instant(composite.get("scheduleStart") or comp_schedule.get("startSchedule")) or asked_at
    sent_start = _instant(sent_schedule.get("startSchedule")) or comp_start
    if comp_start is None or sent_start is None:
        return ["The charger's composite schedule has no start time; not compared."]
    sent_periods = _absolute(sent_schedule, sent_start)
    comp_periods = _absolute(comp_schedule, comp_start)
    window_start = max(comp_start, sent_start)
    window_end = min(_end(comp_schedule, comp_start), _end(sent_schedule, sent_start))
    boundaries = sorted(
        {window_start} | {at for at, _ in sent_periods + comp_periods if window_start < at < window_end}
    )
    differences: list[str] = []
    for at, until in zip(boundaries, [*boundaries[1:], window_end], strict=True):
        if until - at <= _TIME_TOLERANCE:
            continue  # the two schedules change a moment apart
        middle = at + (until - at) / 2
        expected, actual = _limit_at(sent_periods, middle), _limit_at(comp_periods, middle)
        if expected is None:
            continue  # the sent profile says nothing here: the charger is free to do as it likes
        tolerance = max(_ABSOLUTE_TOLERANCE.get(unit, 10.0), _RELATIVE_TOLERANCE * max(abs(expected), abs(actual or 0)))
        if actual is None or abs(actual - expected) > tolerance:
            shown = "no limit" if actual is None else f"{actual:g} {unit}"
            differences.append(
                f"From {at:%Y-%m-%d %H:%M:%S}Z the charger will allow {shown}; we sent {expected:g} {unit}."
            )
            if len(differences) == _MAX_DIFFERENCES:
                differences.append("(further differences not listed)")
                break
    return differences


def _absolute(schedule: Mapping[str, Any], start: datetime) -> list[tuple[datetime, float]]:
    periods = schedule.get("chargingSchedulePeriod") or []
    return sorted((start + timedelta(seconds=int(p["startPeriod"])), float(p["limit"])) for p in periods)


def _end(schedule: Mapping[str, Any], start: datetime) -> datetime:
    duration = schedule.get("duration")
    return (
        start + timedelta(seconds=int(duration)) if duration is not None else datetime.max.replace(tzinfo=start.tzinfo)
    )


def _limit_at(periods: list[tuple[datetime, float]], at: datetime) -> float | None:
    limit = None
    for start, value in periods:
        if start <= at:
            limit = value
        else:
            break
    return limit


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None
