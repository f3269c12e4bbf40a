"""Asset events through the platform's client: Smart Charging state, 422 details, Flex Lite, acknowledgements."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from smartcharging.axle import client
from smartcharging.axle.errors import AxlePermanentError
from smartcharging.models import AxleEvent, ChargingSchedule, EnrolmentStatus, EventState, Proposition, ScheduleSource
from smartcharging.services import delivery
from smartcharging.services.plugs import charger_plugged_in
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory
from tests.smartcharging.axle_standin.helpers import INTENT, PLUGGED_IN_AT, TARIFF, charger, onboard_smart, site


def test_smart_charging_events_are_kept_on_the_asset(standin):
    _, asset_id = onboard_smart()

    client.tariff_update(asset_id=asset_id, tariff=TARIFF)
    client.intent(asset_id=asset_id, intent=INTENT)
    client.plug_in(asset_id=asset_id, vehicle={"charging_rate_kw": 7.0})
    client.charge_now(asset_id=asset_id, end_at=PLUGGED_IN_AT + timedelta(hours=1))

    asset = standin.state.assets[asset_id]
    assert asset["tariff"] == {
        "off_peak_times": "00:00-05:30, 23:30-24:00",
        "timezone": "UTC",
        "tariff_type": "dual_rate",
    }
    assert asset["intent"] == {
        "energy_required_kwh": 30.0,
        "ready_by": "2026-04-15T07:00:00Z",
        "ready_by_local_time": "07:00",
        "energy_estimated": False,
        "may_charge_peak": False,
        "charging_mode": "maximise_charging_time",
    }
    assert asset["plugged_in"] is True
    assert asset["vehicle"] == {"charging_rate_kw": 7.0}
    assert asset["boost_until"] == "2026-04-14T23:00:00Z"

    client.charge_now_deleted(asset_id=asset_id)
    client.plug_out(asset_id=asset_id)

    asset = standin.state.assets[asset_id]
    assert (asset["boost_until"], asset["plugged_in"], asset["vehicle"]) == (None, False, None)
    assert [event["event_type"] for event in standin.state.events] == [
        "tariff-update",
        "intent",
        "plug-in",
        "charge-now",
        "charge-now-deleted",
        "plug-out",
    ]


def test_a_bad_intent_is_a_fastapi_422_naming_each_field(standin):
    _, asset_id = onboard_smart()
    bad = {"energy_required_kwh": -1, "ready_by_local_time": "7 o'clock", "charging_mode": "fastest"}

    with pytest.raises(AxlePermanentError) as caught:
        client.intent(asset_id=asset_id, intent=bad)

    assert caught.value.status_code == 422
    detail = caught.value.body["detail"]
    assert [(item["loc"], item["type"]) for item in detail] == [
        (["body", "intent", "ready_by"], "missing"),
        (["body", "intent", "ready_by_local_time"], "time_parsing"),
        (["body", "intent", "energy_required_kwh"], "greater_than_equal"),
        (["body", "intent", "charging_mode"], "enum"),
    ]
    assert detail[3]["msg"] == "Input should be 'maximise_charging_time' or 'minimise_charging_time'"
    assert standin.state.assets[asset_id]["intent"] is None


def test_a_naive_timestamp_is_refused(standin):
    _, asset_id = onboard_smart()
    naive = dict(INTENT, ready_by="2026-04-15T07:00:00")

    with pytest.raises(AxlePermanentError) as caught:
        client.intent(asset_id=asset_id, intent=naive)

    assert caught.value.body["detail"][0]["type"] == "timezone_aware"


@pytest.mark.parametrize(
    ("tariff", "field"),
    [
        ({"off_peak_times": "23:30-05:30 daily", "timezone": "Europe/London"}, "off_peak_times"),
        ({"off_peak_times": "00:00-05:30", "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ],
)
def test_a_bad_tariff_is_422(standin, tariff, field):
    _, asset_id = onboard_smart()

    with pytest.raises(AxlePermanentError) as caught:
        client.tariff_update(asset_id=asset_id, tariff=tariff)

    assert caught.value.body["detail"][0]["loc"] == ["body", "tariff", field]
    assert caught.value.body["detail"][0]["type"] == "value_error"


def test_events_for_an_unknown_asset_are_404(standin):
    with pytest.raises(AxlePermanentError) as caught:
        client.plug_out(asset_id=uuid.UUID(int=1))

    assert caught.value.status_code == 404
    assert caught.value.body == {"detail": f"Asset {uuid.UUID(int=1)} not found"}


def test_plug_in_schedule_answers_the_users_blocks_with_one_30_minute_pause(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site(), asset=charger())
    night = datetime(2026, 4, 14, 23, 30, tzinfo=UTC)

    blocks = client.plug_in_schedule(
        asset_id=legacy.asset_id,
        charging_schedule=[{"start_timestamp": night, "end_timestamp": night + timedelta(hours=6)}],
    )

    assert [(block.start, block.end) for block in blocks] == [
        (night, night + timedelta(minutes=90)),
        (night + timedelta(minutes=120), night + timedelta(hours=6)),
    ]
    paused = sum((b.end - b.start for b in blocks), timedelta())
    assert paused == timedelta(hours=5, minutes=30)


def test_a_block_too_short_for_a_pause_comes_back_unchanged(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site(), asset=charger())
    start = datetime(2026, 4, 14, 23, 30, tzinfo=UTC)

    blocks = client.plug_in_schedule(
        asset_id=legacy.asset_id,
        charging_schedule=[{"start_timestamp": start, "end_timestamp": start + timedelta(hours=1)}],
    )

    assert [(block.start, block.end) for block in blocks] == [(start, start + timedelta(hours=1))]


def test_plug_in_schedule_is_403_without_limited_pause(standin):
    _, asset_id = onboard_smart()  # Smart Charging only
    start = datetime(2026, 4, 14, 23, 30, tzinfo=UTC)

    with pytest.raises(AxlePermanentError) as caught:
        client.plug_in_schedule(
            asset_id=asset_id,
            charging_schedule=[{"start_timestamp": start, "end_timestamp": start + timedelta(hours=6)}],
        )

    assert caught.value.status_code == 403


def test_a_block_ending_before_it_starts_is_422(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site(), asset=charger())
    start = datetime(2026, 4, 14, 23, 30, tzinfo=UTC)

    with pytest.raises(AxlePermanentError) as caught:
        client.plug_in_schedule(
            asset_id=legacy.asset_id, charging_schedule=[{"start_timestamp": start, "end_timestamp": start}]
        )

    assert caught.value.body["detail"][0]["loc"] == ["body", "charging_schedule", 0, "end_timestamp"]


def test_schedule_acknowledgements_are_recorded(standin):
    _, asset_id = onboard_smart()
    event_id = uuid.uuid4()

    client.schedule_callback(asset_id=asset_id, event_id=event_id, status="ACCEPTED", timestamp=PLUGGED_IN_AT)

    [callback] = standin.state.callbacks
    assert callback | {"received_at": None} == {
        "asset_id": asset_id,
        "event_id": str(event_id),
        "status": "ACCEPTED",
        "timestamp": "2026-04-14T22:00:00Z",
        "received_at": None,
        "known": False,  # not an event id the stand-in pushed
    }


def test_an_unknown_acknowledgement_status_is_422(standin):
    _, asset_id = onboard_smart()

    with pytest.raises(AxlePermanentError) as caught:
        client.schedule_callback(asset_id=asset_id, event_id=uuid.uuid4(), status="DONE", timestamp=PLUGGED_IN_AT)

    assert caught.value.body["detail"][0]["loc"] == ["body", "status"]


@pytest.mark.django_db
def test_the_platforms_flex_lite_plug_in_is_accepted_and_its_answer_applied(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site(), asset=charger())
    asset = AssetFactory(axle_asset_id=legacy.asset_id, site__axle_site_id=legacy.site_id)
    EnrolmentFactory(site=asset.site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    ChargingIntentFactory(asset=asset)
    TariffFactory(site=asset.site, off_peak_windows="00:30-05:30")
    plugged_in = datetime(2027, 1, 10, 22, tzinfo=UTC)
    with time_machine.travel(plugged_in, tick=False):
        charger_plugged_in(asset=asset, at=plugged_in)
        delivery.site_events_deliver(site_id=asset.site_id)

    assert AxleEvent.objects.get().state == EventState.DELIVERED
    schedule = ChargingSchedule.objects.get(source=ScheduleSource.FLEX_LITE)
    # The user's 00:30-04:34 UTC, with the stand-in's pause at 02:00-02:30.
    assert [(p["start_period_s"], p["limit"]) for p in schedule.periods] == [(0, 7400.0), (5400, 0.0), (7200, 7400.0)]
