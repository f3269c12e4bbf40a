"""Off-peak windows as a homeowner types them, and as Axle receives them."""

import pytest
from django.core.exceptions import ValidationError

from smartcharging.offpeak import format_windows, parse_windows, to_axle_off_peak_times


def axle(text: str) -> str:
    return to_axle_off_peak_times(parse_windows(text))


@pytest.mark.parametrize(
    ("entered", "sent"),
    [
        ("23:30-05:30", "00:00-05:30, 23:30-24:00"),  # Axle's own example
        ("00:30-04:30", "00:30-04:30"),  # Octopus Go: inside one day
        ("22:00-00:00", "22:00-24:00"),  # ends exactly at midnight
        ("22:00-24:00", "22:00-24:00"),
        ("00:00-07:00", "00:00-07:00"),  # starts exactly at midnight
        ("00:00-24:00", "00:00-24:00"),  # off-peak all day
        ("13:00-16:00, 23:00-06:00", "00:00-06:00, 13:00-16:00, 23:00-24:00"),
        ("02:00-04:00,00:00-02:00", "00:00-04:00"),  # touching windows become one
        ("23:00-24:00, 00:00-05:00", "00:00-05:00, 23:00-24:00"),
        ("", ""),  # no off-peak time at all
        ("  ", ""),
    ],
)
def test_axle_off_peak_times(entered, sent):
    assert axle(entered) == sent


def test_stored_form_keeps_the_windows_as_entered():
    assert format_windows(parse_windows("23:30 - 05:30 ,12:00-14:00")) == "23:30-05:30, 12:00-14:00"


@pytest.mark.parametrize(
    ("entered", "message"),
    [
        (
            "05:30-05:30",
            "'05:30-05:30' starts and ends at the same time, so it is empty. For off-peak all day, write 00:00-24:00.",
        ),
        (
            "00:00-00:00",
            "'00:00-00:00' starts and ends at the same time, so it is empty. For off-peak all day, write 00:00-24:00.",
        ),
        (
            "23:30-05:30, 04:00-07:00",
            "The off-peak windows 23:30-05:30 and 04:00-07:00 overlap; enter each part of the day only once.",
        ),
        (
            "00:30-04:30, 01:00-02:00",
            "The off-peak windows 00:30-04:30 and 01:00-02:00 overlap; enter each part of the day only once.",
        ),
        (
            "01:00-00:30, 00:00-00:30",  # two windows sharing a stretch after midnight
            "The off-peak windows 01:00-00:30 and 00:00-00:30 overlap; enter each part of the day only once.",
        ),
        ("11pm-5am", "'11pm-5am' is not an off-peak window; write each as start-end, e.g. 23:30-05:30."),
        ("23:30", "'23:30' is not an off-peak window; write each as start-end, e.g. 23:30-05:30."),
        (
            "25:00-05:00",
            "'25:00-05:00': 25:00 is not a time of day (use 00:00 to 23:59; 24:00 only as an end).",
        ),
        (
            "24:00-05:00",
            "'24:00-05:00': 24:00 is not a time of day (use 00:00 to 23:59; 24:00 only as an end).",
        ),
        (
            "23:60-05:00",
            "'23:60-05:00': 23:60 is not a time of day (use 00:00 to 23:59; 24:00 only as an end).",
        ),
    ],
)
def test_bad_windows_are_refused_with_a_plain_reason(entered, message):
    with pytest.raises(ValidationError) as caught:
        parse_windows(entered)
    assert caught.value.messages == [message]


def test_window_knows_its_length_and_membership():
    from datetime import time

    (window,) = parse_windows("23:30-05:30")
    assert window.crosses_midnight
    assert window.minutes == 6 * 60
    assert window.contains(time(0, 15))
    assert window.contains(time(23, 30))
    assert not window.contains(time(5, 30))
    assert parse_windows("00:00-24:00")[0].minutes == 24 * 60
