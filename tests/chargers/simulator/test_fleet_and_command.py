"""The timetable, the HTTP control API, and `manage.py simulate_chargers` run as a real process."""

import asyncio
import json
import os
import signal
import socket
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from ocpp.v16 import call

from chargers.simulator.charger import SimulatedCharger
from chargers.simulator.clock import SimClock
from chargers.simulator.control import serve_control
from chargers.simulator.fleet import CarSpec, Fleet, Timetable
from chargers.simulator.models import W7
from tests.chargers.simulator.central import CentralSystem

LONDON = ZoneInfo("Europe/London")
REPO = Path(__file__).resolve().parents[3]


class TestTimetable:
    overnight = Timetable(time(22), time(7), LONDON)

    @pytest.mark.parametrize(
        ("utc", "plugged"),
        [((1, 15, 21, 59), False), ((1, 15, 22, 0), True), ((1, 16, 6, 59), True), ((1, 16, 7, 0), False)],
    )
    def test_overnight_window_in_winter(self, utc, plugged):
        month, day, hour, minute = utc
        assert self.overnight.plugged_in_at(datetime(2025, month, day, hour, minute, tzinfo=UTC)) is plugged

    def test_local_time_in_summer(self):
        assert self.overnight.plugged_in_at(datetime(2025, 7, 1, 21, 0, tzinfo=UTC))  # 22:00 BST

    def test_next_change(self):
        noon = datetime(2025, 1, 15, 12, tzinfo=UTC)
        assert self.overnight.next_change(noon) == datetime(2025, 1, 15, 22, tzinfo=UTC)
        assert self.overnight.next_change(datetime(2025, 1, 15, 23, tzinfo=UTC)) == datetime(2025, 1, 16, 7, tzinfo=UTC)


async def http(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, object]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload) if payload else None


def test_control_api_plays_the_homeowner():
    async def scenario():
        async with CentralSystem() as central:
            clock = SimClock(speed=600)
            chargers = [SimulatedCharger(f"h{n}", W7, central.url, clock=clock) for n in (1, 2)]
            fleet = Fleet(chargers, clock, CarSpec(max_kw=7.4))
            stop = asyncio.Event()
            running = asyncio.create_task(fleet.run(stop))
            server = await serve_control(fleet, 0)
            port = server.sockets[0].getsockname()[1]
            try:
                assert all([await c.wait_booted(5) for c in chargers])
                status, body = await http(port, "POST", "/chargers/h1/plug-in", b'{"car_max_kw": 3.6, "soc": 0.5}')
                assert status == 200
                assert (body["status"], body["power_w"]) == ("Charging", 3600.0)
                assert body["soc"] == pytest.approx(0.5, abs=0.01)  # it charges while the answer is made
                assert (await http(port, "POST", "/chargers/h1/plug-in"))[0] == 409
                assert (await http(port, "POST", "/chargers/h2/plug-in", b'{"wheels": 4}'))[0] == 400
                assert (await http(port, "POST", "/chargers/nope/unplug"))[0] == 404
                assert (await http(port, "GET", "/chargers/h1/unplug"))[0] == 405
                assert (await http(port, "OPTIONS", "/chargers/h1/unplug"))[0] == 204

                assert (await http(port, "POST", "/chargers/h2/disconnect"))[1]["connected"] is False
                assert (await http(port, "POST", "/chargers/h2/reconnect"))[1]["connected"] is True
                status, states = await http(port, "GET", "/chargers")
                assert [(s["id"], s["status"], s["connected"]) for s in states] == [
                    ("h1", "Charging", True),
                    ("h2", "Available", True),
                ]
                assert (await http(port, "POST", "/chargers/h1/unplug"))[1]["status"] == "Available"
                assert [s["reason"] for s in await central.wait_for("StopTransaction")] == ["EVDisconnected"]
            finally:
                server.close()
                stop.set()
                await running
            assert not any(c.connected for c in chargers)

    asyncio.run(scenario())


def test_plug_in_now_means_each_car_is_there_when_its_charger_connects():
    async def scenario():
        async with CentralSystem() as central:
            clock = SimClock(speed=60)
            fleet = Fleet([SimulatedCharger(f"p{n}", W7, central.url, clock=clock) for n in (1, 2, 3)], clock)
            stop = asyncio.Event()
            running = asyncio.create_task(fleet.run(stop, plug_in_now=True, ramp_up_s=0.3))
            try:
                await central.wait_for("StartTransaction", 3, timeout=10)
            finally:
                stop.set()
                await running
            # Connector 1's first word is the car (Preparing): never Available, then a plug-in once all are up.
            first = {
                cp: p["status"]
                for cp, a, p in reversed(central.messages)
                if a == "StatusNotification" and p["connector_id"] == 1
            }
            assert first == {"p1": "Preparing", "p2": "Preparing", "p3": "Preparing"}

    asyncio.run(scenario())


def test_reset_reboots_and_charging_resumes():
    async def scenario():
        async with CentralSystem() as central:
            charger = SimulatedCharger("r1", W7, central.url, clock=SimClock(speed=600))
            charger.start()
            try:
                await charger.wait_booted(5)
                await charger.plug_in()
                await central.wait_for("StartTransaction")
                assert (await central.points["r1"].call(call.Reset(type="Soft"))).status == "Accepted"
                assert (await central.wait_for("StopTransaction"))[0]["reason"] == "SoftReset"
                await central.wait_for("BootNotification", 2)
                await central.wait_for("StartTransaction", 2)
            finally:
                await charger.stop()

    asyncio.run(scenario())


def test_timetable_bounds_are_checked():
    with pytest.raises(CommandError, match="go together"):
        call_command("simulate_chargers", "--url", "ws://127.0.0.1:1/ocpp", "--ids", "a", "--plug-in-at", "22:00")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_runs_chargers_without_a_database_and_stops_on_ctrl_c():
    async def scenario():
        async with CentralSystem() as central:
            port = free_port()
            env = os.environ | {
                "DJANGO_SETTINGS_MODULE": "smartcharging.settings.test",
                "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unreachable",  # touching it would fail
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "manage.py",
                "simulate_chargers",
                *("--url", central.url, "--ids", "c1,c2", "--plug-in-now", "--speed", "60"),
                *("--control-port", str(port)),
                cwd=REPO,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await central.wait_for("StatusNotification", 2, where=lambda s: s["status"] == "Charging", timeout=15)
                _, states = await http(port, "GET", "/chargers")
                assert {(s["id"], s["status"]) for s in states} == {("c1", "Charging"), ("c2", "Charging")}
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    stdout, stderr = await asyncio.wait_for(process.communicate(), 15)
                except TimeoutError:
                    process.kill()
                    stdout, stderr = await process.communicate()
                    raise AssertionError(f"still running after Ctrl-C:\n{stdout.decode()}\n{stderr.decode()}") from None
            assert process.returncode == 0, stderr.decode()
            lines = stdout.decode().splitlines()
            assert any(line.endswith("c1 status Charging") for line in lines)
            assert lines[-1] == "stopped"
            assert b"Traceback" not in stderr

    asyncio.run(scenario())
