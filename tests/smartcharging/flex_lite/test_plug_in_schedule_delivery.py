"""Delivering a Flex Lite plug-in to a fake Axle: Axle's blocks become the charger's schedule."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from chargers.models import ChargerCommand, CommandAction
from smartcharging.models import AttemptOutcome, AxleEvent, ChargingSchedule, EventState, ScheduleSource
from smartcharging.models.schedules import ApplyState
from smartcharging.services import delivery
from smartcharging.services.plugs import charger_plugged_in, charger_unplugged
from smartcharging.services.schedule_apply import schedule_apply
from tests.smartcharging.outbox.conftest import asset_url

pytestmark = pytest.mark.django_db
PLUGGED_IN = datetime(2027, 1, 10, 22, tzinfo=UTC)
# The user's 00:30-04:34 with Axle's pause at 02:00-02:30.
PAUSED = {
    "modified_charging_schedule": [
        {"start_timestamp": "2027-01-11T00:30:00Z", "end_timestamp": "2027-01-11T02:00:00Z"},
        {"start_timestamp": "2027-01-11T02:30:00Z", "end_timestamp": "2027-01-11T04:34:00Z"},
    ]
}


def deliver(asset, *, unplug_first=False):
    with time_machine.travel(PLUGGED_IN, tick=False):
        charger_plugged_in(asset=asset, at=PLUGGED_IN)
        if unplug_first:
            charger_unplugged(asset=asset, at=PLUGGED_IN)
        delivery.site_events_deliver(site_id=asset.site_id)
    return AxleEvent.objects.get(kind="plug_in_schedule")


def test_axles_blocks_are_stored_as_a_flex_lite_schedule_and_applied(flex_asset, axle, token_call):
    call = axle.post(asset_url(flex_asset, "plug-in-schedule"), json=PAUSED)
    event = deliver(flex_asset)

    assert json.loads(call.calls[0].request.body) == {
        "charging_schedule": [
            {"start_timestamp": "2027-01-11T00:30:00+00:00", "end_timestamp": "2027-01-11T04:34:00+00:00"}
        ]
    }
    assert (event.state, event.last_status_code) == (EventState.DELIVERED, 200)
    schedule = ChargingSchedule.objects.get()
    assert (schedule.source, schedule.is_current, schedule.apply_state) == (
        ScheduleSource.FLEX_LITE,
        True,
        ApplyState.PENDING,
    )
    assert (schedule.purpose, schedule.kind, schedule.rate_unit) == ("TxProfile", "Absolute", "W")
    assert schedule.start_schedule == datetime(2027, 1, 11, 0, 30, tzinfo=UTC)
    assert [(p["start_period_s"], p["limit"]) for p in schedule.periods] == [(0, 7400.0), (5400, 0.0), (7200, 7400.0)]
    assert schedule.duration_s == 4 * 3600 + 4 * 60  # ends with Axle's last block, 04:34

    schedule_apply(schedule_id=schedule.pk)
    command = ChargerCommand.objects.get(schedule=schedule)
    assert command.action == CommandAction.SET_CHARGING_PROFILE


def test_a_403_leaves_the_event_failed_with_axles_answer_and_no_schedule(flex_asset, axle, token_call):
    refusal = {"detail": "The site has not consented to limited_pause"}
    axle.post(asset_url(flex_asset, "plug-in-schedule"), status=403, json=refusal)
    event = deliver(flex_asset)

    assert (event.state, event.attempts, event.last_status_code) == (EventState.FAILED, 1, 403)
    assert event.last_error == "Axle answered 403: The site has not consented to limited_pause"
    assert event.attempt_log.get().error_body == refusal
    assert not ChargingSchedule.objects.exists()


def test_no_blocks_back_stores_nothing_and_says_so(flex_asset, axle, token_call):
    axle.post(asset_url(flex_asset, "plug-in-schedule"), json={"modified_charging_schedule": []})
    event = deliver(flex_asset)

    assert event.state == EventState.DELIVERED
    assert event.attempt_log.get().message == "Axle returned no charging blocks: no schedule stored."
    assert not ChargingSchedule.objects.exists()


def test_an_answer_after_the_car_left_stores_nothing(flex_asset, axle, token_call):
    axle.post(asset_url(flex_asset, "plug-in-schedule"), json=PAUSED)
    event = deliver(flex_asset, unplug_first=True)

    assert event.state == EventState.DELIVERED
    assert "unplugged" in event.attempt_log.get().message
    assert not ChargingSchedule.objects.exists()


def test_overlapping_blocks_are_refused_for_good(flex_asset, axle, token_call):
    overlapping = {
        "modified_charging_schedule": [
            {"start_timestamp": "2027-01-11T00:30:00Z", "end_timestamp": "2027-01-11T02:30:00Z"},
            {"start_timestamp": "2027-01-11T02:00:00Z", "end_timestamp": "2027-01-11T04:34:00Z"},
        ]
    }
    axle.post(asset_url(flex_asset, "plug-in-schedule"), json=overlapping)
    event = deliver(flex_asset)

    assert (event.state, event.attempts) == (EventState.FAILED, 1)
    assert event.last_error.startswith("Axle's Flex Lite blocks refused: Block 1 starts")
    assert "must not overlap" in event.last_error
    attempt = event.attempt_log.get()
    assert (attempt.outcome, attempt.status_code) == (AttemptOutcome.PERMANENT, 200)
    assert len(attempt.error_body["modified_charging_schedule"]) == 2
    assert not ChargingSchedule.objects.exists()
