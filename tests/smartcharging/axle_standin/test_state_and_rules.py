"""The stand-in's state file, its planner inputs, its Flex Lite pause and its pusher without a platform."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from smartcharging.axle import client
from smartcharging.axle_standin import PushConfig, StandIn, StandInConfig, State
from smartcharging.axle_standin.entities import _new_asset
from smartcharging.axle_standin.flexlite import with_one_pause
from smartcharging.axle_standin.planner_bridge import Planned, plan_for
from tests.smartcharging.axle_standin.helpers import PASSWORD, TARIFF, USERNAME, control, onboard_smart

NIGHT = datetime(2026, 4, 14, 22, 0, tzinfo=UTC)


def asset(**changes):
    """An asset record as the stand-in keeps it: plugged in at 22:00 UTC with the documented tariff and intent."""
    sent = {"external_id": "c", "type": "charger", "asset_model": None, "installation_date": None}
    record = _new_asset(str(uuid.uuid4()), sent | {"properties": {"power_kw": 11.0}}, "2026-04-14T21:00:00Z")
    record["tariff"] = dict(TARIFF)
    record["intent"] = {"energy_required_kwh": 30.0, "ready_by": "2026-04-15T07:00:00Z", "ready_by_local_time": "07:00"}
    record["plugged_in"], record["plugged_in_at"] = True, "2026-04-14T22:00:00Z"
    return record | changes


# --- State ------------------------------------------------------------------------------------------


def test_the_state_file_survives_a_restart(standin, tmp_path):
    path = tmp_path / "state.json"
    standin.state.path = path
    site_id, asset_id = onboard_smart()
    client.tariff_update(asset_id=asset_id, tariff=TARIFF)

    restarted = State(path)

    assert restarted.sites[site_id]["propositions"] == {"full_asset_schedule_control": "enrolled"}
    assert restarted.assets[asset_id]["tariff"]["off_peak_times"] == "00:00-05:30, 23:30-24:00"
    assert restarted.tokens == standin.state.tokens  # a restarted Axle still honours its tokens


def test_the_state_dump_hides_tokens_and_reset_empties_it(standin):
    onboard_smart()

    dump = control(standin.public_url, "state", method="GET").json()
    assert dump["tokens"] == {"issued": 1}
    assert len(dump["sites"]) == 1
    assert dump["requests"][-1]["path"] == "/entities/site/onboard"
    assert dump["clock"]["frozen"] is False

    control(standin.public_url, "reset")
    assert standin.state.sites == {}
    assert standin.state.tokens == {}


def test_the_clock_can_be_frozen_for_a_demo(standin):
    answer = control(standin.public_url, "clock", {"now": "2026-04-14T22:00:00Z"}).json()

    assert answer == {"now": "2026-04-14T22:00:00Z", "frozen": True}
    assert control(standin.public_url, "clock", {"now": None}).json()["frozen"] is False


# --- Planner inputs ----------------------------------------------------------------------------------


def test_the_documented_example_plans_as_axle_documents_it():
    planned = plan_for(asset(vehicle={"charging_rate_kw": 7.4}), now=NIGHT)

    assert isinstance(planned, Planned)
    periods = planned.profile["chargingSchedule"]["chargingSchedulePeriod"]
    assert [(p["startPeriod"], p["limit"]) for p in periods] == [(0, 0.0), (5400, 99999.0), (27000, 0.0)]
    assert planned.request.ready_by == datetime(2026, 4, 15, 7, 0, tzinfo=UTC)


def test_power_is_the_vehicles_then_the_chargers_then_7_4_kw():
    assert plan_for(asset(vehicle={"charging_rate_kw": 3.6}), now=NIGHT).request.power_kw == Decimal("3.6")
    assert plan_for(asset(), now=NIGHT).request.power_kw == Decimal("11.0")
    assert plan_for(asset(properties={}), now=NIGHT).request.power_kw == Decimal("7.4")


def test_ready_by_is_the_next_local_time_after_plug_in_in_the_tariffs_zone():
    london = asset(tariff={"off_peak_times": "00:30-05:30", "timezone": "Europe/London"})

    planned = plan_for(london, now=NIGHT)

    assert planned.request.ready_by == datetime(2026, 4, 15, 6, 0, tzinfo=UTC)  # 07:00 BST
    # Still plugged in after the ready-by: planned for the next morning.
    later = plan_for(london, now=datetime(2026, 4, 15, 9, 0, tzinfo=UTC))
    assert later.request.ready_by == datetime(2026, 4, 16, 6, 0, tzinfo=UTC)


def test_without_a_local_time_the_deprecated_instant_counts():
    intent = {"energy_required_kwh": 5.0, "ready_by": "2026-04-15T04:00:00Z", "ready_by_local_time": None}

    assert plan_for(asset(intent=intent), now=NIGHT).request.ready_by == datetime(2026, 4, 15, 4, tzinfo=UTC)
    assert "has passed" in plan_for(asset(intent=intent), now=NIGHT + timedelta(days=1))


def test_no_intent_no_plan_and_no_tariff_means_single_rate():
    assert plan_for(asset(intent=None), now=NIGHT) == "No intent yet: nothing says how much energy the car needs."
    flat = plan_for(asset(tariff=None), now=NIGHT)
    assert flat.request.off_peak == ()
    assert flat.profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 99999.0  # at once


def test_intent_mode_and_peak_permission_reach_the_planner():
    intent = dict(asset()["intent"], charging_mode="minimise_charging_time", may_charge_peak=True)

    request = plan_for(asset(intent=intent), now=NIGHT).request

    assert (request.mode, request.may_charge_peak) == ("minimise_charging_time", True)


# --- Flex Lite ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([("23:30", "05:30")], [("23:30", "01:00"), ("01:30", "05:30")]),
        ([("22:10", "23:00"), ("23:00", "03:00")], [("22:10", "23:00"), ("23:00", "00:30"), ("01:00", "03:00")]),
        ([("22:00", "23:45")], [("22:00", "23:45")]),  # too short: unchanged
    ],
)
def test_the_pause_lands_on_the_first_aligned_half_hour_90_minutes_in(blocks, expected):
    def at(text, after=None):
        hour, minute = map(int, text.split(":"))
        moment = NIGHT.replace(hour=hour, minute=minute)
        return moment + timedelta(days=1) if after and moment < after else moment

    def parse(pairs):
        result, previous = [], None
        for start, end in pairs:
            a = at(start, previous)
            b = at(end, a)
            result.append((a, b))
            previous = b
        return result

    assert with_one_pause(parse(blocks)) == parse(expected)


# --- Pusher without a platform ------------------------------------------------------------------------


def test_an_unreachable_platform_is_retried_then_given_up():
    config = PushConfig(
        platform_url="http://127.0.0.1:9",  # discard port: nothing listens
        client_id="id",
        client_secret="secret",
        attempts=3,
        backoff_base_s=0.001,
        connect_timeout_s=0.5,
    )
    app = StandIn(StandInConfig(username=USERNAME, password=PASSWORD, push=config))
    try:
        push = app.push(str(uuid.uuid4()), {"stackLevel": 1}, trigger="test")
        assert app.pusher.wait_idle(timeout=10)
    finally:
        app.close()

    assert push["status"] == "failed"
    assert [a["status_code"] for a in push["attempts"]] == [None, None, None]
    assert all("token" in a["error"] for a in push["attempts"])
    assert json.dumps(push)  # the record stays plain JSON, for the state file
