"""Clock-change days in London have 46 and 50 half hours, and Axle is sent exactly that many."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chargers.halfhours import intervals_in_local_day
from chargers.services.metering import meter_samples_record
from smartcharging.models import ReadingDelivery, ReadingState
from smartcharging.services.readings import readings_run

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("day", "half_hours"),
    [
        (dt.date(2027, 3, 28), 46),  # clocks go forward at 01:00 GMT: a 23-hour day
        (dt.date(2027, 10, 31), 50),  # clocks go back at 01:00 GMT: a 25-hour day
        (dt.date(2027, 6, 1), 48),
    ],
)
def test_a_local_day_of_readings_has_as_many_half_hours_as_the_day(
    day, half_hours, smart_charging_asset, axle_readings
):
    asset = smart_charging_asset()
    start = dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON).astimezone(dt.UTC)
    # Through the local day the charger sends a sample every 15 minutes, 250 Wh apart (0.5 kWh a
    # half hour), and the job runs a few minutes after each half hour.
    collected = sent = 0
    taken_at, register_wh = start, 0.0
    while taken_at <= end:
        meter_samples_record(asset=asset, samples=[(taken_at, register_wh)])
        if taken_at.minute in (0, 30):
            summary = readings_run(now=taken_at + dt.timedelta(minutes=3))
            collected, sent = collected + summary.collected, sent + summary.sent
        taken_at, register_wh = taken_at + dt.timedelta(minutes=15), register_wh + 250.0

    expected = intervals_in_local_day(day, LONDON)
    assert len(expected) == half_hours
    assert (collected, sent) == (half_hours, half_hours)
    assert list(ReadingDelivery.objects.values_list("interval_start", flat=True)) == expected
    assert set(ReadingDelivery.objects.values_list("state", flat=True)) == {ReadingState.SENT}
    received = axle_readings.readings
    assert [reading["start_timestamp"] for reading in received] == [when.isoformat() for when in expected]
    assert all(reading["value"] == 0.5 for reading in received)
    assert received[0]["start_timestamp"] == start.isoformat()
    assert received[-1]["end_timestamp"] == end.isoformat()
