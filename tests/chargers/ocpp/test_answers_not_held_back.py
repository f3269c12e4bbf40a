"""A charger's answer to our command is taken as it arrives, even while a report it sent first waits."""

import asyncio
import json
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction
from websockets.asyncio.client import connect

from chargers.models import Asset, ChargerCommand, ChargerState, CommandAction, CommandState, MeterSample
from tests.chargers.ocpp.conftest import gateway_running
from tests.chargers.ocpp.waiting import eventually


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite cannot lock one row while another is written")
@pytest.mark.django_db(transaction=True)
def test_the_answer_to_getconfiguration_is_recorded_while_the_meter_values_sent_before_it_wait(smart_charger):
    row_locked, release = threading.Event(), threading.Event()

    def hold_the_chargers_row() -> None:
        """Another writer holds the charger's row: recording its meter values has to wait for it."""
        with transaction.atomic():
            list(Asset.objects.select_for_update().filter(pk=smart_charger.pk))
            row_locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_chargers_row)

    async def scenario():
        async with gateway_running(db_threads=2) as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ocpp/{smart_charger.ocpp_charge_point_id}"
            async with connect(url, subprotocols=["ocpp1.6"]) as ws:

                async def frame():
                    return json.loads(await asyncio.wait_for(ws.recv(), 5))

                boot = {"chargePointVendor": "SimuCharge", "chargePointModel": "Home 7"}
                await ws.send(json.dumps([2, "boot", "BootNotification", boot]))
                assert (await frame())[:2] == [3, "boot"]
                request = await frame()
                assert request[2] == "GetConfiguration"  # what the gateway asks every charger that boots

                holder.start()
                assert row_locked.wait(5)
                sample = {"timestamp": "2026-12-02T05:00:00Z", "sampledValue": [{"value": "1200"}]}
                await ws.send(json.dumps([2, "mv", "MeterValues", {"connectorId": 1, "meterValue": [sample]}]))
                keys = [{"key": "ChargingScheduleMaxPeriods", "readonly": True, "value": "12"}]
                await ws.send(json.dumps([3, request[1], {"configurationKey": keys}]))
                try:
                    command = ChargerCommand.objects.filter(action=CommandAction.GET_CONFIGURATION)
                    await eventually(lambda: command.get().state, until=lambda state: state == CommandState.ACCEPTED)
                    with pytest.raises(TimeoutError):  # the meter values are still waiting for the row
                        await asyncio.wait_for(ws.recv(), 0.2)
                finally:
                    release.set()
                assert (await frame())[:2] == [3, "mv"]

    try:
        async_to_sync(scenario)()
    finally:
        release.set()
        if holder.ident is not None:  # started
            holder.join()
    assert ChargerState.objects.get(asset=smart_charger).max_periods == 12
    assert MeterSample.objects.filter(asset=smart_charger).count() == 1


def test_reports_read_before_the_socket_closed_are_recorded_in_order(smart_charger):
    async def scenario():
        async with gateway_running() as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ocpp/{smart_charger.ocpp_charge_point_id}"
            async with connect(url, subprotocols=["ocpp1.6"]) as ws:
                for minute in range(3):  # sent back to back, then the charger is gone before any answer
                    sample = {
                        "timestamp": f"2026-12-02T05:0{minute}:00Z",
                        "sampledValue": [{"value": str(minute * 100)}],
                    }
                    await ws.send(
                        json.dumps([2, f"mv{minute}", "MeterValues", {"connectorId": 1, "meterValue": [sample]}])
                    )
            await eventually(lambda: len(gateway.chargers), until=lambda held: held == 0)  # its reports are done

    async_to_sync(scenario)()
    stored = MeterSample.objects.filter(asset=smart_charger).order_by("taken_at").values_list("register_wh", flat=True)
    assert list(stored) == [0, 100, 200]
