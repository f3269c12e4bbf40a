"""What a plug-in or plug-out writes for Axle, by the site's product at the time of each event."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from smartcharging.models import AxleEvent, EnrolmentStatus, EventKind, Proposition
from smartcharging.selectors import site_product
from smartcharging.services.plugs import charger_plugged_in, charger_unplugged
from tests.factories import AssetFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def kinds():
    return list(AxleEvent.objects.order_by("id").values_list("kind", flat=True))


def plug_in(asset, at):
    with time_machine.travel(at, tick=False):
        return charger_plugged_in(asset=asset, at=at)


@pytest.mark.parametrize(
    ("plugged_in", "blocks"),
    [
        # 22:00 GMT; 30 kWh at 7.4 kW in the earliest off-peak time, 00:30-04:34.
        (datetime(2027, 1, 10, 22, tzinfo=UTC), [("2027-01-11T00:30:00+00:00", "2027-01-11T04:34:00+00:00")]),
        # Clocks go forward: 00:30 GMT-05:30 BST is 4 h, topped up just before 07:00 BST.
        (
            datetime(2027, 3, 27, 22, tzinfo=UTC),
            [
                ("2027-03-28T00:30:00+00:00", "2027-03-28T04:30:00+00:00"),
                ("2027-03-28T05:56:00+00:00", "2027-03-28T06:00:00+00:00"),
            ],
        ),
        # Clocks go back: 22:00 BST plug-in, 00:30 BST is 23:30 UTC.
        (datetime(2027, 10, 30, 21, tzinfo=UTC), [("2027-10-30T23:30:00+00:00", "2027-10-31T03:34:00+00:00")]),
    ],
    ids=["ordinary-night", "spring-forward", "autumn-back"],
)
def test_flex_lite_plug_in_writes_one_plug_in_schedule_with_the_users_blocks(flex_asset, plugged_in, blocks):
    plug_in(flex_asset, plugged_in)
    event = AxleEvent.objects.get()
    assert (event.kind, event.asset_id) == (EventKind.PLUG_IN_SCHEDULE, flex_asset.pk)
    assert event.payload == {
        "charging_schedule": [{"start_timestamp": start, "end_timestamp": end} for start, end in blocks]
    }


def test_a_repeated_plug_in_report_writes_nothing_new(flex_asset):
    at = datetime(2027, 1, 10, 22, tzinfo=UTC)
    first = plug_in(flex_asset, at)
    assert plug_in(flex_asset, at + timedelta(minutes=1)) == first
    assert kinds() == [EventKind.PLUG_IN_SCHEDULE]


def test_flex_lite_unplug_sends_nothing(flex_asset):
    plug_in(flex_asset, datetime(2027, 1, 10, 22, tzinfo=UTC))
    charger_unplugged(asset=flex_asset, at=datetime(2027, 1, 11, 7, tzinfo=UTC))
    assert kinds() == [EventKind.PLUG_IN_SCHEDULE]


def test_smart_charging_wins_when_both_are_followed(flex_asset):
    EnrolmentFactory(site=flex_asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.PENDING)
    assert site_product(flex_asset.site_id) == Proposition.SMART_CHARGING
    plug_in(flex_asset, datetime(2027, 1, 10, 22, tzinfo=UTC))
    assert kinds() == [EventKind.PLUG_IN]


@pytest.mark.parametrize("status", [EnrolmentStatus.UNENROLLING, EnrolmentStatus.UNENROLLED, EnrolmentStatus.FAILED])
def test_a_site_following_neither_product_sends_nothing(status):
    asset = AssetFactory()
    EnrolmentFactory(site=asset.site, proposition=Proposition.FLEX_LITE, status=status)
    assert site_product(asset.site_id) is None
    plug_in(asset, datetime(2027, 1, 10, 22, tzinfo=UTC))
    charger_unplugged(asset=asset, at=datetime(2027, 1, 11, 7, tzinfo=UTC))
    assert kinds() == []


def test_moved_to_smart_charging_mid_session_the_unplug_is_sent(flex_asset):
    plug_in(flex_asset, datetime(2027, 1, 10, 22, tzinfo=UTC))
    EnrolmentFactory(site=flex_asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    charger_unplugged(asset=flex_asset, at=datetime(2027, 1, 11, 7, tzinfo=UTC))
    assert kinds() == [EventKind.PLUG_IN_SCHEDULE, EventKind.PLUG_OUT]


def test_back_to_flex_lite_the_next_plug_in_sends_the_users_blocks(flex_asset):
    smart = EnrolmentFactory(
        site=flex_asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED
    )
    plug_in(flex_asset, datetime(2027, 1, 10, 22, tzinfo=UTC))
    smart.status = EnrolmentStatus.UNENROLLING
    smart.save()
    charger_unplugged(asset=flex_asset, at=datetime(2027, 1, 11, 7, tzinfo=UTC))  # no longer Smart Charging
    plug_in(flex_asset, datetime(2027, 1, 11, 22, tzinfo=UTC))
    assert kinds() == [EventKind.PLUG_IN, EventKind.PLUG_IN_SCHEDULE]
