"""The simulated charger over a real websocket, against a minimal central system (tests/.../central.py).

Simulated time runs 600x faster than real time, so a 60 s meter interval is 0.1 s of test.
"""

import asyncio
from contextlib import asynccontextmanager
from typing import Any

from ocpp.v16 import call

from chargers.simulator.charger import SimulatedCharger
from chargers.simulator.clock import SimClock
from chargers.simulator.models import A32, W7
from tests.chargers.simulator.central import CentralSystem

SPEED = 600


class RecordingCharger(SimulatedCharger):
    """Keeps the event lines the management command would print."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[str] = []

    def event(self, kind: str, message: str) -> None:
        self.events.append(message)
        super().event(kind, message)


@asynccontextmanager
async def running(central: CentralSystem, charger_id: str = "chg1", model=W7, **options):
    charger = RecordingCharger(
        charger_id, model, central.url, clock=SimClock(speed=SPEED), reconnect_delay_s=(0.05, 0.2), **options
    )
    charger.start()
    try:
        yield charger
    finally:
        await charger.stop()


def watts_profile(limit: float, profile_id: int = 1, stack_level: int = 0) -> dict[str, Any]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]},
    }


def test_boot_then_status_with_basic_auth():
    async def scenario():
        async with (
            CentralSystem(password="s3cret", heartbeat_s=120) as central,
            running(central, password="s3cret") as charger,
        ):
            assert await charger.wait_booted(5)
            boot = (await central.wait_for("BootNotification"))[0]
            statuses = await central.wait_for("StatusNotification", 2)
            assert (boot["charge_point_vendor"], boot["charge_point_model"]) == ("SimuCharge", "Home 7")
            assert [(s["connector_id"], s["status"]) for s in statuses] == [(0, "Available"), (1, "Available")]
            assert charger.configuration["HeartbeatInterval"] == "120"  # taken from the boot answer

    asyncio.run(scenario())


def test_plug_in_starts_a_transaction_and_sends_meter_values_then_unplug_stops_it():
    async def scenario():
        async with CentralSystem() as central, running(central, meter_offset_wh=1000) as charger:
            await charger.wait_booted(5)
            await charger.plug_in(car_max_kw=7.4, battery_kwh=60, soc=0.2)
            start = (await central.wait_for("StartTransaction"))[0]
            assert (start["connector_id"], start["meter_start"], start["id_tag"]) == (1, 1000, "SIMULATED")
            assert central.of("Authorize") == [{"id_tag": "SIMULATED"}]
            assert charger.transaction_id == 100
            assert charger.status == "Charging"
            assert charger.power_w == 7360

            meter = (await central.wait_for("MeterValues", 2))[1]
            assert meter["transaction_id"] == 100
            samples = {s["measurand"]: s for s in meter["meter_value"][0]["sampled_value"]}
            assert samples["Power.Active.Import"]["value"] == "7360"
            assert samples["Power.Active.Import"]["unit"] == "W"
            assert samples["Energy.Active.Import.Register"]["unit"] == "Wh"
            assert samples["Energy.Active.Import.Register"]["context"] == "Sample.Periodic"
            assert int(samples["Energy.Active.Import.Register"]["value"]) > 1000

            await charger.unplug()
            stop = (await central.wait_for("StopTransaction"))[0]
            assert (stop["transaction_id"], stop["reason"]) == (100, "EVDisconnected")
            assert stop["meter_stop"] >= int(samples["Energy.Active.Import.Register"]["value"])
            statuses = [s["status"] for s in await central.wait_for("StatusNotification", 5)]
            assert statuses == ["Available", "Available", "Preparing", "Charging", "Available"]

    asyncio.run(scenario())


def test_power_follows_set_charging_profile_and_composite_schedule_reports_it():
    async def scenario():
        async with CentralSystem() as central, running(central) as charger:
            await charger.wait_booted(5)
            await charger.plug_in()
            await central.wait_for("StartTransaction")
            point = central.points["chg1"]

            answer = await point.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=watts_profile(3680)))
            assert answer.status == "Accepted"
            assert charger.power_w == 3680
            assert charger.current_limit.amps == 16
            assert charger.installed_profiles == [watts_profile(3680.0) | {"connectorId": 1}]

            answer = await point.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=watts_profile(1000)))
            assert answer.status == "Accepted"
            await central.wait_for("StatusNotification", where=lambda s: s["status"] == "SuspendedEVSE")
            assert charger.power_w == 0

            composite = await point.call(
                call.GetCompositeSchedule(connector_id=1, duration=3600, charging_rate_unit="A")
            )
            assert composite.status == "Accepted"
            schedule = composite.charging_schedule
            assert schedule["charging_rate_unit"] == "A"
            periods = [
                (p["start_period"], float(p["limit"]), p["number_phases"]) for p in schedule["charging_schedule_period"]
            ]
            assert periods == [(0, 4.3, 1)]  # 1000 W on one phase, in amps to one decimal as the schema wants

            cleared = await point.call(call.ClearChargingProfile(id=1))
            assert cleared.status == "Accepted"
            assert charger.power_w == 7360
            assert [(r.action, r.response["status"]) for r in charger.received] == [
                ("SetChargingProfile", "Accepted"),
                ("SetChargingProfile", "Accepted"),
                ("GetCompositeSchedule", "Accepted"),
                ("ClearChargingProfile", "Accepted"),
            ]

    asyncio.run(scenario())


def test_configuration_and_the_models_rules_over_ocpp():
    async def scenario():
        async with CentralSystem() as central, running(central, "a1", model=A32) as charger:
            await charger.wait_booted(5)
            point = central.points["a1"]
            config = await point.call(call.GetConfiguration(key=["ChargeProfileMaxStackLevel", "NoSuchKey"]))
            assert config.configuration_key == [{"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "3"}]
            assert config.unknown_key == ["NoSuchKey"]
            everything = await point.call(call.GetConfiguration())
            keys = {item["key"]: item["value"] for item in everything.configuration_key}
            assert keys["ChargingScheduleAllowedChargingRateUnit"] == "Current"
            assert keys["ChargingScheduleMaxPeriods"] == "10"

            for key, value, status in [
                ("MeterValueSampleInterval", "30", "Accepted"),
                ("MeterValueSampleInterval", "soon", "Rejected"),
                ("ChargeProfileMaxStackLevel", "9", "Rejected"),
                ("NoSuchKey", "1", "NotSupported"),
            ]:
                assert (await point.call(call.ChangeConfiguration(key=key, value=value))).status == status
            assert charger.configuration["MeterValueSampleInterval"] == "30"

            watts = await point.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=watts_profile(3680)))
            assert watts.status == "Rejected"  # an amps-only model

    asyncio.run(scenario())


def test_remote_stop_trigger_and_remote_start():
    async def scenario():
        async with CentralSystem() as central, running(central, meter_interval_s=3600) as charger:
            await charger.wait_booted(5)
            await charger.plug_in()
            point = central.points["chg1"]
            await central.wait_for("StartTransaction")

            assert (await point.call(call.RemoteStopTransaction(transaction_id=999))).status == "Rejected"
            assert (await point.call(call.RemoteStopTransaction(transaction_id=100))).status == "Accepted"
            stop = (await central.wait_for("StopTransaction"))[0]
            assert stop["reason"] == "Remote"
            await central.wait_for("StatusNotification", where=lambda s: s["status"] == "Finishing")

            assert (await point.call(call.TriggerMessage(requested_message="MeterValues"))).status == "Accepted"
            triggered = (await central.wait_for("MeterValues"))[0]
            assert "transaction_id" not in triggered
            assert triggered["meter_value"][0]["sampled_value"][0]["context"] == "Trigger"

            assert (await point.call(call.RemoteStartTransaction(id_tag="APP"))).status == "Accepted"
            second = (await central.wait_for("StartTransaction", 2))[1]
            assert second["id_tag"] == "APP"
            assert len(central.of("Authorize")) == 1  # remote starts are pre-authorised

    asyncio.run(scenario())


def test_faults_reject_profiles_and_silent():
    async def scenario():
        async with CentralSystem(response_timeout=0.3) as central:
            async with running(central, "r1", reject_profiles=True) as charger:
                await charger.wait_booted(5)
                answer = await central.points["r1"].call(
                    call.SetChargingProfile(connector_id=0, cs_charging_profiles=watts_profile(3680))
                )
                assert answer.status == "Rejected"
            async with running(central, "s1", silent=True) as charger:
                await charger.wait_booted(5)
                try:
                    await central.points["s1"].call(call.GetConfiguration())
                except TimeoutError:
                    pass
                else:
                    raise AssertionError("a silent charger answered")
                assert [(r.action, r.response) for r in charger.received] == [("GetConfiguration", None)]

    asyncio.run(scenario())


def test_disconnect_reconnect_and_a_refused_connection():
    async def scenario():
        async with CentralSystem(password="right") as central:
            async with running(central, password="right") as charger:
                await charger.wait_booted(5)
                await charger.plug_in()
                await central.wait_for("StartTransaction")
                await charger.disconnect()
                assert not charger.connected
                await charger.unplug()  # while offline: the StopTransaction waits for the connection
                assert await charger.reconnect(5)
                stop = (await central.wait_for("StopTransaction"))[0]
                assert stop["reason"] == "EVDisconnected"
                assert len(central.of("BootNotification")) == 2
            async with running(central, "intruder", password="wrong", auto_reconnect=False) as charger:
                await asyncio.wait_for(charger._task, 5)  # gives up without raising
                assert any("InvalidStatus" in event for event in charger.events)
                assert not charger.connected

    asyncio.run(scenario())
