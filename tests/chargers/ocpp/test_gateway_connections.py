"""Chargers connecting: who may (passwords: test_charger_passwords), what they say they are, and the
configuration the gateway reads."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chargers.models import ChargerCommand, ChargerState, CommandAction, CommandState
from tests.chargers.ocpp.conftest import A32, charger_running, gateway_running
from tests.chargers.ocpp.waiting import eventually

pytestmark = pytest.mark.django_db


def state_of(asset):
    return ChargerState.objects.filter(asset=asset).first()


def test_boot_records_the_charger_and_its_smart_charging_configuration(smart_charger):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger):
            return await eventually(lambda: state_of(smart_charger), until=lambda s: s.config_read_at is not None)

    state = async_to_sync(scenario)()
    assert (state.vendor, state.reported_model) == ("SimuCharge", "Home 7")
    assert state.firmware_version
    assert state.max_stack_level == 8
    assert state.max_periods == 24
    assert state.allowed_rate_units == "Power"
    assert state.booted_at is not None
    assert state.connector_status == "Available"
    command = ChargerCommand.objects.get(asset=smart_charger, action=CommandAction.GET_CONFIGURATION)
    assert command.state == CommandState.ACCEPTED
    assert command.response["configurationKey"]


def test_a_charger_that_leaves_is_shown_offline_with_the_time(smart_charger):
    async def scenario():
        async with gateway_running() as gateway:
            async with charger_running(gateway, smart_charger):
                online = await eventually(lambda: state_of(smart_charger), until=lambda s: s.connected)
            offline = await eventually(lambda: state_of(smart_charger), until=lambda s: not s.connected)
            return online.connected, offline

    was_online, offline = async_to_sync(scenario)()
    assert was_online
    assert not offline.connected
    assert offline.disconnected_at >= offline.connected_at


def test_an_unknown_charge_point_is_refused(smart_charger):
    async def scenario():
        async with gateway_running() as gateway:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"ws://127.0.0.1:{gateway.port}/ocpp/nobody", subprotocols=["ocpp1.6"]):
                    pass
            return refused.value.response

    response = async_to_sync(scenario)()
    assert response.status_code == 404
    assert b"Unknown charge point 'nobody'" in response.body


def test_a_connection_without_the_ocpp16_subprotocol_is_refused_with_a_reason(smart_charger):
    async def scenario():
        async with gateway_running() as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ocpp/{smart_charger.ocpp_charge_point_id}"
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url, subprotocols=["ocpp2.0.1"]):
                    pass
            return refused.value.response

    response = async_to_sync(scenario)()
    assert response.status_code == 400
    assert b"offer subprotocol ocpp1.6" in response.body


def test_malformed_and_schema_invalid_frames_get_a_call_error_and_the_connection_stays(smart_charger):
    async def scenario():
        async with gateway_running() as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ocpp/{smart_charger.ocpp_charge_point_id}"
            async with connect(url, subprotocols=["ocpp1.6"]) as ws:
                answers = []
                for frame in (
                    [2, "m1", "Heartbeat"],  # no payload
                    [2, "m2", "StatusNotification", {"connectorId": "one", "status": "Charging"}],
                    [2, "m3", "BootNotification", {"chargePointVendor": "x" * 30, "chargePointModel": "m"}],
                    [
                        2,
                        "m4",
                        "MeterValues",
                        {
                            "connectorId": 1,
                            "meterValue": [{"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [{"value": "lots"}]}],
                        },
                    ],
                ):
                    await ws.send(json.dumps(frame))
                    answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
                await ws.send("this is not json")
                await ws.send(json.dumps([2, "m5", "Heartbeat", {}]))
                answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
                return answers

    answers = async_to_sync(scenario)()
    assert [a[0] for a in answers[:4]] == [4, 4, 4, 4]  # CallError for each bad frame
    assert [a[1] for a in answers] == ["m1", "m2", "m3", "m4", "m5"]
    schema_errors = {"FormationViolation", "FormatViolation", "TypeConstraintViolation", "PropertyConstraintViolation"}
    assert answers[0][2] in schema_errors
    assert answers[1][2] in schema_errors
    assert answers[2][2] in schema_errors
    assert "'lots' is not a number" in answers[3][3]
    assert answers[4][0] == 3
    assert "currentTime" in answers[4][2]


def test_a_three_phase_amps_only_charger_reports_current_as_its_unit(three_phase_charger):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, three_phase_charger, A32):
            return await eventually(lambda: state_of(three_phase_charger), until=lambda s: s.config_read_at)

    state = async_to_sync(scenario)()
    assert state.allowed_rate_units == "Current"
    assert state.max_stack_level == 3
    assert state.max_periods == 10
