"""The user's own blocks (pure), and Axle's returned blocks as a charging profile."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chargers.profiles import SchedulePeriod
from smartcharging import flex_lite, offpeak
from smartcharging.localtime import local_to_utc
from smartcharging.selectors import EffectiveIntent

LONDON = ZoneInfo("Europe/London")
GO = offpeak.parse_windows("00:30-05:30")


def blocks_for_night(evening: date, *, with_intent: bool = True, off_peak=GO):
    plugged_in = datetime.combine(evening, time(22), LONDON)
    ready_by = local_to_utc(evening + timedelta(days=1), time(7), LONDON, strict=True)
    return flex_lite.own_blocks(
        plugged_in_at=plugged_in,
        intent=EffectiveIntent(Decimal("30"), ready_by, time(7), is_one_off=False) if with_intent else None,
        off_peak=off_peak,
        zone=LONDON,
        power_kw=Decimal("7.4"),
    )


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_an_ordinary_night_is_the_kwh_in_the_earliest_off_peak_time():
    # 30 kWh at 7.4 kW is 4 h 03 min 15 s, rounded up to the minute.
    assert blocks_for_night(date(2027, 1, 10)) == [(utc(2027, 1, 11, 0, 30), utc(2027, 1, 11, 4, 34))]


def test_spring_clock_change_night_tops_up_with_the_latest_peak_time():
    # 00:30 GMT to 05:30 BST is 4 h of real time: 3 min 15 s short, taken just before 07:00 BST.
    assert blocks_for_night(date(2027, 3, 27)) == [
        (utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 4, 30)),
        (utc(2027, 3, 28, 5, 56), utc(2027, 3, 28, 6, 0)),
    ]


def test_autumn_clock_change_night_starts_at_0030_bst():
    # 00:30 BST is 23:30 UTC; the 6 h window holds the whole charge.
    assert blocks_for_night(date(2027, 10, 30)) == [(utc(2027, 10, 30, 23, 30), utc(2027, 10, 31, 3, 34))]


def test_no_intent_is_charge_now_for_twelve_hours():
    plugged_in = utc(2027, 1, 10, 22)
    assert blocks_for_night(date(2027, 1, 10), with_intent=False) == [(plugged_in, plugged_in + timedelta(hours=12))]


def test_no_tariff_charges_at_once_until_the_kwh_is_in():
    assert blocks_for_night(date(2027, 1, 10), off_peak=[]) == [(utc(2027, 1, 10, 22), utc(2027, 1, 11, 2, 4))]


def test_blocks_become_full_power_with_a_pause_between_them():
    blocks = [(utc(2027, 1, 11, 0, 30), utc(2027, 1, 11, 1, 30)), (utc(2027, 1, 11, 2), utc(2027, 1, 11, 4, 34))]
    profile = flex_lite.blocks_profile(blocks, power_w=7400.0)
    assert (profile.purpose, profile.kind, profile.rate_unit) == ("TxProfile", "Absolute", "W")
    assert profile.start_schedule == utc(2027, 1, 11, 0, 30)
    assert profile.periods == (SchedulePeriod(0, 7400.0), SchedulePeriod(3600, 0.0), SchedulePeriod(5400, 7400.0))
    assert profile.ends_at == utc(2027, 1, 11, 4, 34)


def test_touching_blocks_are_one_charge():
    blocks = [(utc(2027, 1, 11, 0), utc(2027, 1, 11, 1)), (utc(2027, 1, 11, 1), utc(2027, 1, 11, 2))]
    profile = flex_lite.blocks_profile(blocks, power_w=7400.0)
    assert (profile.periods, profile.duration_s) == ((SchedulePeriod(0, 7400.0),), 7200)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([(utc(2027, 1, 11, 0), utc(2027, 1, 11, 2)), (utc(2027, 1, 11, 1), utc(2027, 1, 11, 3))], "must not overlap"),
        ([(utc(2027, 1, 11, 2), utc(2027, 1, 11, 3)), (utc(2027, 1, 11, 0), utc(2027, 1, 11, 1))], "in order"),
        ([(utc(2027, 1, 11, 2), utc(2027, 1, 11, 2))], "no later than it starts"),
        ([], "no charging blocks"),
    ],
)
def test_blocks_out_of_order_or_overlapping_are_refused(blocks, message):
    with pytest.raises(ValueError, match=message):
        flex_lite.blocks_profile(blocks, power_w=7400.0)
