"""Wall-clock times in a site's timezone, turned into instants, honest about clock changes.

On the spring-forward day some wall-clock times never happen (Europe/London: 01:00-01:59 on the
last Sunday of March); on the autumn day some happen twice (01:00-01:59 on the last Sunday of
October). A time the homeowner picks for one particular day is refused if it is one of those;
a recurring time ("ready by 07:00 every day") resolves to the earliest moment the clock reads it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError


def _describe(day: date, at: time, zone: ZoneInfo) -> str:
    return f"{at:%H:%M} on {day:%A %-d %B %Y} in {zone.key}"


def is_nonexistent(day: date, at: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None)


def is_ambiguous(day: date, at: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, at, tzinfo=zone)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset() and not is_nonexistent(day, at, zone)


def local_to_utc(day: date, at: time, zone: ZoneInfo, *, strict: bool) -> datetime:
    """The UTC instant when the wall clock in `zone` shows `at` on `day`.

    strict=True refuses a time that does not exist or happens twice that day, with a message saying
    so. strict=False resolves it: a skipped time becomes the moment the clocks went forward (the
    first time the clock shows a later time), a repeated time its first occurrence; both err early,
    which is the safe side for a ready-by.
    """
    local = datetime.combine(day, at, tzinfo=zone)
    if is_nonexistent(day, at, zone):
        if strict:
            raise ValidationError(
                f"{_describe(day, at, zone)} does not exist: the clocks go forward that night. "
                "Choose a time outside the hour that is skipped.",
                code="time_nonexistent",
            )
        # With fold=0 Python reads a skipped time with the old offset, which lands after the jump;
        # the moment the clocks jumped is the first time the wall clock showed a later time.
        return _transition_at_or_before(local.astimezone(UTC), zone)
    if is_ambiguous(day, at, zone) and strict:
        raise ValidationError(
            f"{_describe(day, at, zone)} happens twice: the clocks go back that night. "
            "Choose a time outside the repeated hour.",
            code="time_ambiguous",
        )
    return local.replace(fold=0).astimezone(UTC)


def _transition_at_or_before(instant: datetime, zone: ZoneInfo) -> datetime:
    """The last change of UTC offset at or before `instant` (searched to the minute, within a day)."""
    offset = instant.astimezone(zone).utcoffset()
    low, high = instant - timedelta(days=1), instant
    while high - low > timedelta(minutes=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).utcoffset() == offset:
            high = mid
        else:
            low = mid
    return high.replace(second=0, microsecond=0)


def next_occurrence(at: time, zone: ZoneInfo, *, after: datetime) -> datetime:
    """The first instant strictly after `after` when the wall clock in `zone` shows `at` (UTC)."""
    day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(4):
        candidate = local_to_utc(day + timedelta(days=offset), at, zone, strict=False)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a wall-clock time occurs at least once in any three days")


def utc_to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)
