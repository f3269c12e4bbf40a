"""Wall-clock times on both UK clock-change days (2027: forward 28 March, back 31 October)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from smartcharging.localtime import local_to_utc, next_occurrence

LONDON = ZoneInfo("Europe/London")
SPRING = date(2027, 3, 28)
AUTUMN = date(2027, 10, 31)


def test_skipped_time_is_refused_when_picked_for_that_day():
    with pytest.raises(ValidationError) as caught:
        local_to_utc(SPRING, time(1, 30), LONDON, strict=True)
    assert caught.value.messages == [
        "01:30 on Sunday 28 March 2027 in Europe/London does not exist: the clocks go forward that night. "
        "Choose a time outside the hour that is skipped."
    ]


def test_repeated_time_is_refused_when_picked_for_that_day():
    with pytest.raises(ValidationError) as caught:
        local_to_utc(AUTUMN, time(1, 30), LONDON, strict=True)
    assert caught.value.messages == [
        "01:30 on Sunday 31 October 2027 in Europe/London happens twice: the clocks go back that night. "
        "Choose a time outside the repeated hour."
    ]


def test_routine_time_in_the_skipped_hour_resolves_to_the_moment_clocks_jump():
    # The clock goes 00:59 GMT -> 02:00 BST at 01:00 UTC; the first time it shows >= 01:30 is then.
    assert local_to_utc(SPRING, time(1, 30), LONDON, strict=False) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_routine_time_in_the_repeated_hour_resolves_to_its_first_occurrence():
    assert local_to_utc(AUTUMN, time(1, 30), LONDON, strict=False) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [(date(2027, 3, 27), 7), (SPRING, 6), (date(2027, 10, 30), 6), (AUTUMN, 7)],
)
def test_seven_am_either_side_of_each_change(day, expected_utc_hour):
    assert local_to_utc(day, time(7), LONDON, strict=True) == datetime(
        day.year, day.month, day.day, expected_utc_hour, tzinfo=UTC
    )


def test_next_occurrence_crosses_midnight_and_the_spring_change():
    plugged_in = datetime(2027, 3, 27, 22, 0, tzinfo=UTC)  # 22:00 GMT on Saturday
    assert next_occurrence(time(7), LONDON, after=plugged_in) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)


def test_next_occurrence_same_day_when_still_ahead():
    morning = datetime(2027, 6, 1, 4, 0, tzinfo=UTC)  # 05:00 BST
    assert next_occurrence(time(7), LONDON, after=morning) == datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
