"""Which half hours are owed to Axle: completed ones, of Smart Charging chargers, once each."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcharging.models import EnrolmentStatus, Proposition, ReadingDelivery, ReadingState
from smartcharging.services.readings import readings_collect
from tests.factories import AssetFactory, EnrolmentFactory, HalfHourEnergyFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 6, 1, hour, minute, tzinfo=dt.UTC)


def owed() -> list[tuple[int, dt.datetime, Decimal]]:
    return list(ReadingDelivery.objects.values_list("asset_id", "interval_start", "energy_kwh"))


def test_each_completed_half_hour_of_a_smart_charging_charger_is_owed_once(smart_charging_asset):
    asset = smart_charging_asset()
    for start, kwh in [(at(10), "1.200"), (at(10, 30), "3.700"), (at(11), "0.400")]:
        HalfHourEnergyFactory(asset=asset, interval_start=start, energy_kwh=Decimal(kwh))

    # 11:00-11:30 has not ended; 10:30-11:00 ended exactly now.
    assert readings_collect(now=at(11)) == 2

    assert owed() == [(asset.pk, at(10), Decimal("1.200")), (asset.pk, at(10, 30), Decimal("3.700"))]
    delivery = ReadingDelivery.objects.first()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at, delivery.created_at) == (
        ReadingState.PENDING,
        0,
        at(11),
        at(11),
    )
    assert (delivery.sent_at, delivery.last_error) == (None, "")


def test_running_again_owes_only_the_newly_completed_half_hour(smart_charging_asset):
    asset = smart_charging_asset()
    for start in (at(10), at(10, 30), at(11)):
        HalfHourEnergyFactory(asset=asset, interval_start=start)
    readings_collect(now=at(11, 5))

    assert readings_collect(now=at(11, 10)) == 0
    assert readings_collect(now=at(11, 30)) == 1
    assert ReadingDelivery.objects.count() == 3
    assert readings_collect(now=at(11, 30)) == 0


@pytest.mark.parametrize(
    ("proposition", "status"),
    [
        (Proposition.FLEX_LITE, EnrolmentStatus.ENROLLED),
        (Proposition.SMART_CHARGING, EnrolmentStatus.UNENROLLED),
        (Proposition.SMART_CHARGING, EnrolmentStatus.UNENROLLING),
        (Proposition.SMART_CHARGING, EnrolmentStatus.FAILED),
        (None, None),
    ],
)
def test_chargers_not_following_smart_charging_owe_nothing(proposition, status):
    asset = AssetFactory()
    if proposition:
        EnrolmentFactory(site=asset.site, proposition=proposition, status=status, requested_at=at(0))
    HalfHourEnergyFactory(asset=asset, interval_start=at(10))

    assert readings_collect(now=at(12)) == 0
    assert not ReadingDelivery.objects.exists()


def test_an_enrolment_awaiting_axles_answer_already_owes_readings():
    asset = AssetFactory()
    EnrolmentFactory(site=asset.site, status=EnrolmentStatus.PENDING, requested_at=at(0))
    HalfHourEnergyFactory(asset=asset, interval_start=at(10))

    assert readings_collect(now=at(12)) == 1


def test_half_hours_from_before_the_site_joined_are_not_owed():
    asset = AssetFactory()
    EnrolmentFactory(site=asset.site, status=EnrolmentStatus.ENROLLED, requested_at=at(10, 10))
    for start in (at(9, 30), at(10), at(10, 30)):
        HalfHourEnergyFactory(asset=asset, interval_start=start)

    readings_collect(now=at(12))

    assert [start for _, start, _ in owed()] == [at(10, 30)]


def test_only_half_hours_within_the_lookback_are_collected(smart_charging_asset):
    asset = smart_charging_asset()
    HalfHourEnergyFactory(asset=asset, interval_start=at(10) - dt.timedelta(days=3))
    HalfHourEnergyFactory(asset=asset, interval_start=at(5, 30))  # just outside six hours
    HalfHourEnergyFactory(asset=asset, interval_start=at(6))

    assert readings_collect(now=at(12)) == 1
    # A longer window catches what a long stop of the job (or a late upload) left behind.
    assert readings_collect(now=at(12), lookback=dt.timedelta(days=7)) == 2
    assert ReadingDelivery.objects.count() == 3


def test_the_number_of_queries_does_not_grow_with_the_number_of_chargers(smart_charging_asset):
    def queries_for(chargers: int, hour: int) -> int:
        for _ in range(chargers):
            HalfHourEnergyFactory(asset=smart_charging_asset(), interval_start=at(hour))
        with CaptureQueriesContext(connection) as captured:
            assert readings_collect(now=at(hour + 1)) == chargers
        return len(captured)

    readings_collect(now=at(9))  # the job has run before: its watermark exists
    # Read the watermark, insert every owed reading in one statement, move the watermark.
    assert queries_for(10, 10) == queries_for(100, 14) == 3


def test_a_collect_job_stopped_for_longer_than_its_lookback_still_collects_everything_it_missed(
    smart_charging_asset,
):
    asset = smart_charging_asset()
    HalfHourEnergyFactory(asset=asset, interval_start=at(0))
    assert readings_collect(now=at(0, 30)) == 1
    # The job stops at 00:30 and comes back at 20:00: 39 half hours completed in between.
    for index in range(1, 40):
        HalfHourEnergyFactory(asset=asset, interval_start=at(0) + index * dt.timedelta(minutes=30))
    assert readings_collect(now=at(20)) == 39
    assert ReadingDelivery.objects.count() == 40
    # Only the time since the last run (plus the lookback for late samples) is scanned from then on.
    assert readings_collect(now=at(20, 30)) == 0
