"""A schedule Axle pushed reaches the charger: sent, answered, acknowledged to Axle, and checked."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync

from chargers.models import ChargerCommand, ChargerState, CommandAction, CommandState
from chargers.ocpp.gateway import Gateway
from smartcharging.models import AxleEvent, ChargingSchedule, EventKind
from smartcharging.models.schedules import ApplyState, VerifyState
from smartcharging.services.schedule_apply import schedule_apply
from tests.chargers.ocpp.conftest import A32, charger_running, gateway_running
from tests.chargers.ocpp.waiting import db, eventually
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db


def tonight_profile(profile, *, started_ago=timedelta(hours=1)):
    """Axle's example, moved so that it is running now: paused for 90 minutes, then full power."""
    start = datetime.now(UTC).replace(microsecond=0) - started_ago
    profile["chargingSchedule"]["startSchedule"] = start.isoformat()
    return profile


def push(axle_api, asset, body):
    response = axle_api.post(url(asset), body, format="json")
    assert response.status_code == 202, response.content
    return schedule_apply(schedule_id=response.json()["schedule_id"])


def envelope(profile):
    return {"id": str(uuid.uuid4()), "event_type": "charging_profile.created", "created_at": "2026-11-24T08:00:00Z",
            "payload": profile}  # fmt: skip


def schedule_now(schedule):
    return ChargingSchedule.objects.get(pk=schedule.pk)


def callbacks(asset):
    rows = AxleEvent.objects.filter(asset=asset, kind=EventKind.SCHEDULE_CALLBACK).order_by("id")
    return [row.payload["status"] for row in rows]


def test_a_schedule_pushed_while_charging_is_applied_as_the_sessions_profile_and_verified(
    axle_api, smart_charger, profile
):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger) as car:
            await car.plug_in(car_max_kw=7.4)
            await eventually(lambda: car.transaction_id, until=bool)
            schedule = await db(lambda: push(axle_api, smart_charger, envelope(tonight_profile(profile))))
            applied = await eventually(
                lambda: schedule_now(schedule), until=lambda s: s.verify_state != VerifyState.UNCHECKED
            )
            return applied, car.transaction_id, car.current_limit, [e.action for e in car.received]

    schedule, transaction_id, limit, received = async_to_sync(scenario)()
    assert schedule.apply_state == ApplyState.APPLIED
    sent = schedule.charger_request["csChargingProfiles"]
    assert sent["chargingProfilePurpose"] == "TxProfile"
    assert sent["transactionId"] == transaction_id
    # A default profile left from an earlier schedule is cleared before the session's own one is set.
    assert received.index("ClearChargingProfile") < received.index("SetChargingProfile")
    assert limit is not None
    assert limit.watts == 0  # the first 90 minutes of Axle's plan are a pause, and 60 have passed
    assert schedule.verify_state == VerifyState.MATCHED, schedule.verify_notes
    assert callbacks(smart_charger) == ["RECEIVED", "ACCEPTED"]


def test_without_a_car_the_schedule_waits_on_the_charger_as_the_default_for_the_next_session(
    axle_api, smart_charger, profile
):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger) as car:
            schedule = await db(lambda: push(axle_api, smart_charger, tonight_profile(profile)))
            applied = await eventually(lambda: schedule_now(schedule), until=lambda s: s.apply_state == "applied")
            return applied, car.installed_profiles

    schedule, installed = async_to_sync(scenario)()
    assert schedule.charger_request["csChargingProfiles"]["chargingProfilePurpose"] == "TxDefaultProfile"
    assert [p["chargingProfileId"] for p in installed] == [schedule.pk]


def test_an_amps_only_three_phase_charger_gets_the_schedule_in_amps(axle_api, three_phase_charger, profile):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, three_phase_charger, A32) as car:
            await eventually(
                lambda: ChargerState.objects.get(asset=three_phase_charger), until=lambda s: s.config_read_at
            )
            schedule = await db(lambda: push(axle_api, three_phase_charger, tonight_profile(profile)))
            applied = await eventually(
                lambda: schedule_now(schedule), until=lambda s: s.verify_state != VerifyState.UNCHECKED
            )
            return applied, car.installed_profiles

    schedule, installed = async_to_sync(scenario)()
    assert schedule.apply_state == ApplyState.APPLIED
    (installed_profile,) = installed
    assert installed_profile["chargingSchedule"]["chargingRateUnit"] == "A"
    assert max(p["limit"] for p in installed_profile["chargingSchedule"]["chargingSchedulePeriod"]) == 32
    assert schedule.verify_state == VerifyState.MATCHED, schedule.verify_notes


def test_a_charger_that_rejects_the_profile_is_recorded_and_axle_told(axle_api, smart_charger, profile):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger, reject_profiles=True):
            schedule = await db(lambda: push(axle_api, smart_charger, envelope(tonight_profile(profile))))
            return await eventually(
                lambda: schedule_now(schedule), until=lambda s: s.apply_state == ApplyState.CHARGER_REJECTED
            )

    schedule = async_to_sync(scenario)()
    assert schedule.apply_state == ApplyState.CHARGER_REJECTED
    assert "Rejected" in schedule.apply_notes
    assert callbacks(smart_charger) == ["RECEIVED", "REJECTED"]


def test_a_charger_that_never_answers_times_out_and_axle_is_told_it_failed(axle_api, smart_charger, profile):
    async def scenario():
        async with (
            gateway_running(response_timeout_s=0.3) as gateway,
            charger_running(gateway, smart_charger) as car,
        ):
            await eventually(lambda: ChargerState.objects.get(asset=smart_charger), until=lambda s: s.config_read_at)
            car.silent = True
            schedule = await db(lambda: push(axle_api, smart_charger, envelope(tonight_profile(profile))))
            return await eventually(lambda: schedule_now(schedule), until=lambda s: s.apply_state == ApplyState.FAILED)

    schedule = async_to_sync(scenario)()
    assert schedule.apply_state == ApplyState.FAILED
    assert "No answer from the charger within 0.3 s" in schedule.apply_notes
    command = ChargerCommand.objects.get(schedule=schedule, action=CommandAction.SET_CHARGING_PROFILE)
    assert command.state == CommandState.TIMED_OUT
    assert callbacks(smart_charger) == ["RECEIVED", "FAILED"]


def test_a_command_in_flight_when_the_connection_drops_is_sent_again_after_reconnecting(
    axle_api, smart_charger, profile
):
    async def scenario():
        async with (
            gateway_running(response_timeout_s=30) as gateway,
            charger_running(gateway, smart_charger) as car,
        ):
            await eventually(lambda: ChargerState.objects.get(asset=smart_charger), until=lambda s: s.config_read_at)
            car.silent = True  # takes the request, never answers: the socket then drops
            schedule = await db(lambda: push(axle_api, smart_charger, tonight_profile(profile)))
            command = await eventually(
                lambda: ChargerCommand.objects.get(schedule=schedule, action=CommandAction.SET_CHARGING_PROFILE),
                until=lambda c: c.state == CommandState.SENT,
            )
            await car.disconnect()
            await eventually(lambda: ChargerCommand.objects.get(pk=command.pk), until=lambda c: c.state == "pending")
            car.silent = False
            assert await car.reconnect(5)
            return await eventually(
                lambda: ChargerCommand.objects.get(pk=command.pk), until=lambda c: c.state == CommandState.ACCEPTED
            )

    command = async_to_sync(scenario)()
    assert command.state == CommandState.ACCEPTED
    assert command.attempts == 2, (command.error, command.sent_at, command.answered_at)


def test_commands_queued_while_the_gateway_was_down_are_sent_when_it_is_back(axle_api, smart_charger, profile):
    async def scenario():
        first = Gateway(gateway_id="gw-a", response_timeout_s=2, command_poll_s=0.02, db_threads=0)
        await first.start("127.0.0.1", 0)
        port = first.port
        async with charger_running(first, smart_charger) as car:
            await first.stop()  # the gateway goes away; the charger keeps trying to reconnect
            schedule = await db(lambda: push(axle_api, smart_charger, tonight_profile(profile)))
            second = Gateway(gateway_id="gw-b", response_timeout_s=2, command_poll_s=0.02, db_threads=0)
            await second.start("127.0.0.1", port)
            try:
                applied = await eventually(
                    lambda: schedule_now(schedule), until=lambda s: s.apply_state == ApplyState.APPLIED, timeout_s=10
                )
            finally:
                await second.stop()
            return applied, car.installed_profiles

    schedule, installed = async_to_sync(scenario)()
    assert schedule.apply_state == ApplyState.APPLIED
    assert [p["chargingProfileId"] for p in installed] == [schedule.pk]
    assert ChargerCommand.objects.get(schedule=schedule, action=CommandAction.SET_CHARGING_PROFILE).gateway_id == "gw-b"


def test_when_the_car_leaves_axle_hears_its_schedule_was_executed_once(axle_api, smart_charger, profile):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger) as car:
            await car.plug_in(car_max_kw=7.4)
            await eventually(lambda: car.transaction_id, until=bool)
            schedule = await db(lambda: push(axle_api, smart_charger, envelope(tonight_profile(profile))))
            await eventually(lambda: schedule_now(schedule), until=lambda s: s.apply_state == ApplyState.APPLIED)
            await car.unplug()  # StopTransaction (EVDisconnected) and "Available": two reports of one unplug
            await eventually(
                lambda: ChargerState.objects.get(asset=smart_charger), until=lambda s: s.connector_status == "Available"
            )
            return await db(lambda: callbacks(smart_charger))

    assert async_to_sync(scenario)() == ["RECEIVED", "ACCEPTED", "EXECUTED"]
