"""A simulated OCPP 1.6J home charger: one websocket, one asyncio task, so thousands can share one loop.

The charger's "firmware" is one loop per connection that sends whatever is due (boot, status changes,
transactions, meter values, heartbeats, triggered messages) and otherwise sleeps until the next thing is due
or something wakes it: a call from the central system, a car plugged in. The physics live in engine.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.headers import build_authorization_basic
from websockets.typing import Subprotocol

from chargers.simulator import messages
from chargers.simulator.clock import SimClock
from chargers.simulator.engine import Car, Engine, Limit, Status
from chargers.simulator.models import ChargerModel
from chargers.simulator.protocol import Exchange, Protocol
from chargers.simulator.schedule import ProfileRejected, iso, profile_from_ocpp, profile_to_ocpp

log = logging.getLogger(__name__)

EventListener = Callable[["SimulatedCharger", str, str], None]  # (charger, kind, message)
# What ends a connection in the ordinary course of things: logged in one line, never as a traceback.
CONNECTION_ERRORS = (OSError, InvalidHandshake, InvalidURI, ConnectionClosed, TimeoutError)


class SimulatedCharger:
    def __init__(
        self,
        charge_point_id: str,
        model: ChargerModel,
        url: str,
        password: str | None = None,
        clock: SimClock | None = None,
        *,
        id_tag: str = "SIMULATED",
        meter_interval_s: int | None = None,
        meter_offset_wh: float = 0.0,
        auto_reconnect: bool = True,
        reconnect_delay_s: tuple[float, float] = (1.0, 60.0),  # first and longest wait, real seconds
        reject_profiles: bool = False,
        silent: bool = False,
        response_timeout_s: float = 30.0,
        record_limit: int = 1000,
        on_event: EventListener | None = None,
    ) -> None:
        self.charge_point_id = charge_point_id
        self.model = model
        self.url = url.rstrip("/")
        self.password = password
        self.clock = clock or SimClock()
        self.id_tag = id_tag
        self.auto_reconnect = auto_reconnect
        self.reconnect_delay_s = reconnect_delay_s
        self.reject_profiles = reject_profiles
        self.silent = silent
        self.response_timeout_s = response_timeout_s
        self.on_event = on_event
        self.engine = Engine(model.spec, self.clock.now(), register_wh=meter_offset_wh)
        self.configuration = model.configuration()
        if meter_interval_s is not None:
            self.configuration["MeterValueSampleInterval"] = str(meter_interval_s)
        self.received: deque[Exchange] = deque(maxlen=record_limit)  # calls from the central system
        self.sent: deque[Exchange] = deque(maxlen=record_limit)  # calls the charger made
        self.triggered: set[str] = set()
        self.connected = False
        self._connection: ClientConnection | None = None
        self._booted = asyncio.Event()
        self._wake = asyncio.Event()
        self._online = asyncio.Event()  # cleared by disconnect(): stay offline until reconnect()
        self._online.set()
        self._passes = asyncio.Condition()
        self._passes_started = self._passes_done = 0
        self._stop_queue: list[call.StopTransaction] = []  # kept across connections, like a real charger's queue
        self._want_transaction = False
        self._remote_start: tuple[str, dict[str, Any] | None] | None = None
        self._reset: str | None = None
        self._told_status: Status | None = None
        self._next_meter: datetime | None = None
        self._next_heartbeat: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- what tests and demos read --------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        self.engine.advance(self.clock.now())
        return self.engine.status

    @property
    def register_wh(self) -> float:
        self.engine.advance(self.clock.now())
        return self.engine.register_wh

    @property
    def power_w(self) -> float:
        self.engine.advance(self.clock.now())
        return self.engine.power_w

    @property
    def current_limit(self) -> Limit | None:
        """The profiles' limit in force now; None when no profile limits (the charger offers full power)."""
        return self.engine.limit_at(self.clock.now())

    @property
    def installed_profiles(self) -> list[dict[str, Any]]:
        return [profile_to_ocpp(p) | {"connectorId": p.connector_id} for p in self.engine.profiles.values()]

    @property
    def transaction_id(self) -> int | None:
        return self.engine.transaction.id if self.engine.transaction else None

    def snapshot(self) -> dict[str, Any]:
        """The charger's state as JSON-ready data (the control server's GET /chargers)."""
        limit = self.current_limit
        car = self.engine.car
        return {
            "id": self.charge_point_id,
            "model": self.model.name,
            "connected": self.connected,
            "status": self.status,
            "power_w": round(self.power_w, 1),
            "register_wh": round(self.register_wh, 1),
            "limit": None if limit is None else {"w": round(limit.watts, 1), "a": round(limit.amps, 1)},
            "transaction_id": self.transaction_id,
            "soc": None if car is None else round(car.soc, 4),
            "time": iso(self.clock.now()),
        }

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run in the background (connect, boot, reconnect as configured) until stop()."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=f"charger {self.charge_point_id}")
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await _cancel({self._task})
            self._task = None

    async def wait_booted(self, timeout_s: float = 10.0) -> bool:
        """True once connected, accepted and its status told (False after `timeout_s` real seconds)."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._booted.wait()
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            if not self._online.is_set():
                await self._online.wait()
                continue
            try:
                await self._session()
            except CONNECTION_ERRORS as error:
                self.event("connection", f"connection ended: {type(error).__name__}: {error}")
            except Exception:  # a bug here must not take the other chargers in the loop down with it
                log.exception("%s: unexpected error; reconnecting", self.charge_point_id)
            if self._booted.is_set() or self._reset:
                failures = 0
            self._booted.clear()
            if self._reset:
                self._reset = None  # a reboot: connect again at once
                continue
            if self._stopping or not self._online.is_set():
                continue
            if not self.auto_reconnect:
                break
            failures += 1
            first, longest = self.reconnect_delay_s
            delay = min(longest, first * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)  # noqa: S311  # jitter
            self.event("connection", f"reconnecting in {delay:.1f}s")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._reconnect_now()

    async def disconnect(self) -> None:
        """Drop the socket without a closing handshake (a power cut, lost Wi-Fi); stay offline until reconnect()."""
        self._online.clear()
        self._drop()
        while self.connected:
            await asyncio.sleep(0.01)

    async def reconnect(self, timeout_s: float = 10.0) -> bool:
        """Connect again now (dropping the current connection if any); True once booted."""
        if self.connected:
            self._drop()
            while self.connected:
                await asyncio.sleep(0.01)
        self._online.set()
        self._wake.set()
        if self._task is None or self._task.done():
            self.start()
        return await self.wait_booted(timeout_s)

    # --- the car --------------------------------------------------------------------------------------------

    async def plug_in(self, car_max_kw: float = 7.4, battery_kwh: float = 60.0, soc: float = 0.3) -> None:
        """A car is plugged in: Preparing, then (when connected) Authorize and StartTransaction."""
        car = Car(car_max_kw * 1000, battery_kwh * 1000, min(max(soc, 0.0), 1.0) * battery_kwh * 1000)
        self.engine.plug_in(car, self.clock.now())
        self._want_transaction = True
        self.event("car", f"car plugged in ({car_max_kw} kW, {battery_kwh} kWh, {soc:.0%})")
        await self._settle()

    async def unplug(self) -> None:
        """The car leaves: StopTransaction (EVDisconnected) if one was running, then Available."""
        ended = self.engine.unplug(self.clock.now())
        self._want_transaction = False
        if ended is not None:
            self._queue_stop(ended.id, "EVDisconnected")
        self.event("car", "car unplugged")
        await self._settle()

    def reset_register(self) -> None:
        self.engine.reset_register()
        self.event("meter", "register reset to 0 Wh (meter replaced)")

    # --- called by the protocol handlers --------------------------------------------------------------------

    def event(self, kind: str, message: str) -> None:
        log.info("%s %s", self.charge_point_id, message)
        if self.on_event is not None:
            self.on_event(self, kind, message)

    def wake(self) -> None:
        self._wake.set()

    def request_remote_start(self, id_tag: str, charging_profile: dict[str, Any] | None) -> None:
        self._remote_start = (id_tag, charging_profile)
        self.wake()

    def stop_transaction(self, reason: str) -> None:
        ended = self.engine.stop_transaction(self.clock.now())
        self._want_transaction = False  # plugged in, Finishing: no new transaction until asked
        if ended is not None:
            self._queue_stop(ended.id, reason)
        self.wake()

    def request_reset(self, kind: str) -> None:
        self._reset = kind
        self.wake()

    # --- the connection -------------------------------------------------------------------------------------

    async def _session(self) -> None:
        headers = (
            {"Authorization": build_authorization_basic(self.charge_point_id, self.password)}
            if self.password is not None
            else None
        )
        async with connect(
            f"{self.url}/{self.charge_point_id}",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers=headers,
            compression=None,  # home chargers rarely negotiate it; saves memory with thousands of sockets
            proxy=None,
            open_timeout=self.response_timeout_s,
        ) as connection:
            if connection.subprotocol != "ocpp1.6":
                self.event("connection", f"server chose subprotocol {connection.subprotocol!r}, not ocpp1.6")
            protocol = Protocol(self, connection, self.response_timeout_s)
            self._connection, self.connected = connection, True
            self.event("connection", "connected")
            tasks = {asyncio.create_task(protocol.start()), asyncio.create_task(self._firmware(protocol))}
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await _cancel(tasks)
                self._connection, self.connected = None, False
                async with self._passes:
                    self._passes.notify_all()
            for task in done:
                error = None if task.cancelled() else task.exception()
                if isinstance(error, ConnectionClosed):
                    self.event("connection", f"disconnected: {error}")
                elif error is not None:
                    raise error

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.transport.abort()

    async def _reconnect_now(self) -> None:
        self._wake.clear()
        await self._wake.wait()

    async def _settle(self, timeout_s: float = 10.0) -> None:
        """Wait until the firmware loop has acted on what just changed (no-op when offline)."""
        if not self.connected:
            return
        target = self._passes_started + 1
        self.wake()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s), self._passes:
                await self._passes.wait_for(lambda: self._passes_done >= target or not self.connected)

    # --- the firmware loop ----------------------------------------------------------------------------------

    async def _firmware(self, protocol: Protocol) -> None:
        await self._boot(protocol)
        # The charge point as a whole (connector 0), once per boot; connector 1 follows in the first pass.
        await self._call(protocol, messages.status_notification(0, "Available", self.clock.now()))
        self._told_status = None
        while True:
            self._passes_started += 1
            self._wake.clear()
            await self._pass(protocol)
            self._passes_done += 1
            self._booted.set()  # after the first pass: the central system has heard the connector's status
            async with self._passes:
                self._passes.notify_all()
            await self._sleep_until_due()

    async def _boot(self, protocol: Protocol) -> None:
        while True:
            answer = await self._call(protocol, messages.boot_notification(self.model, self.charge_point_id))
            status, interval = (answer.status, answer.interval) if answer else ("CallError", 0)
            if status == "Accepted":
                if interval > 0:
                    self.configuration["HeartbeatInterval"] = str(interval)
                self._next_heartbeat = self.clock.now() + timedelta(seconds=self._heartbeat_s)
                self.event("connection", f"boot accepted, heartbeat every {self._heartbeat_s}s")
                return
            self.event("connection", f"boot {status}; retrying in {interval or 60}s")
            await self.clock.sleep(interval or 60)

    async def _pass(self, protocol: Protocol) -> None:
        now = self.clock.now()
        self.engine.advance(now)
        await self._send_stops(protocol)
        if self._reset:
            if self.engine.transaction is not None:
                self.stop_transaction("HardReset" if self._reset == "Hard" else "SoftReset")
                self._want_transaction = self.engine.car is not None  # charges again after the reboot
                await self._send_stops(protocol)
            if self._connection is not None:
                await self._connection.close()  # the reboot: run() connects again at once
            return
        for message in sorted(self.triggered):
            self.triggered.discard(message)
            await self._send_triggered(protocol, message)
        await self._sync_status(protocol)
        wanted = self._remote_start is not None or self._want_transaction
        if self.engine.car is not None and self.engine.transaction is None and wanted:
            await self._start_transaction(protocol)
            await self._sync_status(protocol)
        now = self.clock.now()
        if self._next_meter is not None and now >= self._next_meter:
            while self._next_meter <= now:  # a sample missed while offline is not sent late
                self._next_meter += timedelta(seconds=self._meter_interval_s)
            await self._send_meter_values(protocol, "Sample.Periodic")
        if self._next_heartbeat is not None and now >= self._next_heartbeat:
            await self._call(protocol, call.Heartbeat())
            self._next_heartbeat = now + timedelta(seconds=self._heartbeat_s)

    async def _sleep_until_due(self) -> None:
        now = self.clock.now()
        due = [t for t in (self._next_meter, self._next_heartbeat, self.engine.next_change(now)) if t is not None]
        seconds = (min(due) - now).total_seconds() if due else 3600.0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.clock.real_seconds(seconds)):
                await self._wake.wait()

    # --- what the firmware sends ----------------------------------------------------------------------------

    async def _start_transaction(self, protocol: Protocol) -> None:
        remote, self._remote_start = self._remote_start, None
        id_tag, profile = remote if remote else (self.id_tag, None)
        if remote is None:  # AuthorizeRemoteTxRequests is false: remote starts are pre-authorised
            answer = await self._call(protocol, call.Authorize(id_tag=id_tag))
            if answer is None or answer.id_tag_info.get("status") != "Accepted":
                self._want_transaction = False
                self.event("transaction", f"idTag {id_tag} not authorised")
                return
        now = self.clock.now()
        meter_start = round(self.engine.register_wh)
        answer = await self._call(
            protocol,
            call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=meter_start, timestamp=iso(now)),
        )
        if answer is None:
            self._want_transaction = False
            self.event("transaction", "StartTransaction answered with a CallError")
            return
        if self.engine.car is None:  # the car left while we waited: close what the central system opened
            self._stop_queue.append(
                messages.stop_transaction(answer.transaction_id, meter_start, "EVDisconnected", now)
            )
            return
        self.engine.start_transaction(answer.transaction_id, now)
        self._next_meter = now + timedelta(seconds=self._meter_interval_s)
        self.event("transaction", f"transaction {answer.transaction_id} started (meterStart {meter_start} Wh)")
        if answer.id_tag_info.get("status") != "Accepted":
            self.stop_transaction("DeAuthorized")
        elif profile is not None:
            try:
                self.engine.install(profile_from_ocpp(profile, 1), self.clock.now())
            except ProfileRejected as reason:
                self.event("profile", f"RemoteStart's profile rejected: {reason}")

    def _queue_stop(self, transaction_id: int, reason: str) -> None:
        stop = messages.stop_transaction(transaction_id, self.engine.register_wh, reason, self.clock.now())
        self._stop_queue.append(stop)
        self._next_meter = None
        self.event("transaction", f"transaction {transaction_id} stopped ({reason}, meterStop {stop.meter_stop} Wh)")

    async def _send_stops(self, protocol: Protocol) -> None:
        while self._stop_queue:
            await self._call(protocol, self._stop_queue[0])
            self._stop_queue.pop(0)  # only once delivered: a dropped connection leaves it for the next one

    async def _sync_status(self, protocol: Protocol) -> None:
        status = self.engine.status
        if status != self._told_status:
            # Said as it is sent, not once answered: a charger stopped meanwhile still reports the
            # status it sent (after a dropped connection the line shows again, with the retry).
            self.event("status", f"status {status}")
            await self._call(protocol, messages.status_notification(1, status, self.clock.now()))
            self._told_status = status

    async def _send_triggered(self, protocol: Protocol, message: str) -> None:
        if message == "StatusNotification":
            await self._call(protocol, messages.status_notification(1, self.engine.status, self.clock.now()))
        elif message == "MeterValues":
            await self._send_meter_values(protocol, "Trigger")
        elif message == "Heartbeat":
            await self._call(protocol, call.Heartbeat())
        elif message == "BootNotification":
            await self._boot(protocol)

    async def _send_meter_values(self, protocol: Protocol, context: str) -> None:
        now = self.clock.now()
        self.engine.advance(now)
        register, power = self.engine.register_wh, self.engine.power_w
        measurands = self.configuration["MeterValuesSampledData"].split(",")
        await self._call(
            protocol, messages.meter_values(register, power, measurands, context, now, self.transaction_id)
        )
        self.event("meter", f"meter {round(register)} Wh, {round(power)} W")

    async def _call(self, protocol: Protocol, payload: Any) -> Any:
        """Send one call and record it with its answer (None: the central system answered with a CallError)."""
        request = {key: value for key, value in asdict(payload).items() if value is not None}
        exchange = Exchange(type(payload).__name__, request, self.clock.now())
        self.sent.append(exchange)
        answer = await protocol.call(payload)
        exchange.response = asdict(answer) if answer is not None else None
        return answer

    @property
    def _heartbeat_s(self) -> int:
        return max(1, int(self.configuration["HeartbeatInterval"]))

    @property
    def _meter_interval_s(self) -> int:
        return max(1, int(self.configuration["MeterValueSampleInterval"]))


async def _cancel(tasks: set[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait for them, cancelling again any that swallowed it.

    Python 3.11's asyncio.wait_for (inside ocpp's ChargePoint.call) drops a cancellation that arrives as the
    answer does; the firmware then waits response_timeout_s for an answer no one will read.
    """
    pending = tasks
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)
