"""A minimal OCPP 1.6 central system for the simulator's tests: accepts everything, records everything."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import ServerConnection, basic_auth, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class CentralPoint(ChargePoint):  # type: ignore[misc]  # ocpp is untyped
    """The central system's end of one charger's connection."""

    def __init__(self, charge_point_id: str, connection: ServerConnection, central: CentralSystem) -> None:
        super().__init__(charge_point_id, connection, response_timeout=central.response_timeout)
        self.central = central

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.central.messages.append((self.id, action, payload))
        self.central.arrived.set()

    @on(Action.boot_notification)
    def cs_boot(self, **payload):
        self._record("BootNotification", payload)
        return call_result.BootNotification(current_time=_now(), interval=self.central.heartbeat_s, status="Accepted")

    @on(Action.status_notification)
    def cs_status(self, **payload):
        self._record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def cs_authorize(self, **payload):
        self._record("Authorize", payload)
        return call_result.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action.start_transaction)
    def cs_start(self, **payload):
        self._record("StartTransaction", payload)
        return call_result.StartTransaction(
            transaction_id=next(self.central.transaction_ids), id_tag_info={"status": "Accepted"}
        )

    @on(Action.stop_transaction)
    def cs_stop(self, **payload):
        self._record("StopTransaction", payload)
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def cs_meter_values(self, **payload):
        self._record("MeterValues", payload)
        return call_result.MeterValues()

    @on(Action.heartbeat)
    def cs_heartbeat(self, **payload):
        self._record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=_now())


class CentralSystem:
    """`async with CentralSystem() as central:` serves on a free loopback port; chargers use `central.url`."""

    def __init__(self, *, password: str | None = None, heartbeat_s: int = 300, response_timeout: float = 5) -> None:
        self.password = password
        self.heartbeat_s = heartbeat_s
        self.response_timeout = response_timeout
        self.messages: list[tuple[str, str, dict[str, Any]]] = []  # (charger id, action, snake_case payload)
        self.points: dict[str, CentralPoint] = {}
        self.arrived = asyncio.Event()
        self.transaction_ids = itertools.count(100)
        self.url = ""

    async def __aenter__(self) -> CentralSystem:
        auth = basic_auth(check_credentials=self._check) if self.password else None
        self._server = await serve(
            self._handle, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")], process_request=auth
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ocpp"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def _check(self, username: str, password: str) -> bool:
        return password == self.password

    async def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        charge_point_id = connection.request.path.rsplit("/", 1)[-1]
        point = self.points[charge_point_id] = CentralPoint(charge_point_id, connection, self)
        self._record_connection(charge_point_id, "connected")
        try:
            await point.start()
        except ConnectionClosed:
            self._record_connection(charge_point_id, "closed")

    def _record_connection(self, charge_point_id: str, what: str) -> None:
        self.messages.append((charge_point_id, f"<{what}>", {}))
        self.arrived.set()

    def of(self, action: str, charge_point_id: str | None = None) -> list[dict[str, Any]]:
        return [p for cp, a, p in self.messages if a == action and charge_point_id in (None, cp)]

    async def wait_for(
        self, action: str, count: int = 1, *, where: Any = None, timeout: float = 5
    ) -> list[dict[str, Any]]:
        """The first `count` messages of `action` (matching `where(payload)`), waiting for them to arrive."""
        async with asyncio.timeout(timeout):
            while True:
                found = [p for p in self.of(action) if where is None or where(p)]
                if len(found) >= count:
                    return found[:count]
                self.arrived.clear()
                await self.arrived.wait()
