"""The OCPP 1.6J central system: chargers connect to ws://<host>/ocpp/<charge point id>.

One asyncio process holds thousands of sockets. Database work runs in a small thread pool (the
ORM is synchronous), commands' work ahead of reports'; messages from one charger are still
handled one at a time, in order. Commands for chargers are rows: a loop picks up those for
chargers whose socket this gateway holds, sends them, and records the answer; many gateways can
run side by side, each sending only through its own sockets.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.utils import timezone
from ocpp.exceptions import OCPPError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from accounts.throttling import address_behind_proxies
from chargers.models import Asset, ChargerCommand, CommandAction
from chargers.services import commands as command_service
from chargers.services.charger_admission import charger_admit
from chargers.services.connections import (
    charger_connected,
    charger_disconnected,
    chargers_seen,
    configuration_recorded,
    gateway_stopped,
)
from chargers.translation import ProfileRefused
from chargers.validators import CHARGE_POINT_ID_PATTERN
from smartcharging.services.schedule_apply import schedule_charger_answered, schedule_request

from . import wire
from .central import CentralChargePoint
from .db_pool import FIRST, NORMAL, PriorityThreadPool

logger = logging.getLogger(__name__)
_PATH = re.compile(rf"^/ocpp/(?P<id>{CHARGE_POINT_ID_PATTERN})/?$")
SUBPROTOCOL = "ocpp1.6"
_T = TypeVar("_T")


class Gateway:
    def __init__(
        self,
        *,
        gateway_id: str,
        heartbeat_interval_s: int = 300,
        response_timeout_s: float = 30.0,
        command_poll_s: float = 0.25,
        seen_flush_s: float = 15.0,
        db_threads: int = 4,
    ) -> None:
        self.gateway_id = gateway_id
        self.heartbeat_interval_s = heartbeat_interval_s
        self.response_timeout_s = response_timeout_s
        self.command_poll_s = command_poll_s
        self.seen_flush_s = seen_flush_s
        # 0 threads: run the ORM in the caller's thread (tests drive the gateway from their own thread
        # so that it shares their database transaction).
        self._executor = (
            PriorityThreadPool(db_threads, name="ocpp-db", on_exit=connections.close_all) if db_threads else None
        )
        self.chargers: dict[str, CentralChargePoint] = {}
        self._admitted: dict[int, Asset] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}  # per charger: the task sending its commands
        self._seen: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.server: Server | None = None

    # The database, from async code.
    async def db(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        return await self._db(NORMAL, fn, *args, **kwargs)

    async def db_first(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Database work for a command: ahead of any queued reports (see db_pool)."""
        return await self._db(FIRST, fn, *args, **kwargs)

    async def _db(self, priority: int, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        if self._executor is None:
            return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)
        return await asyncio.wrap_future(self._executor.submit_at(priority, _on_db_thread, fn, *args, **kwargs))

    def seen(self, asset_id: int) -> None:
        """Heard from a charger: its last-seen time is written in the next batch, not one UPDATE each."""
        self._seen.add(asset_id)

    # Lifecycle.
    async def start(self, host: str, port: int) -> Server:
        released = await self.db(gateway_stopped, gateway_id=self.gateway_id, now=timezone.now())
        if released:
            logger.info("Released %d chargers this gateway held before it restarted", released)
        self.server = await serve(
            self._connection,
            host,
            port,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            process_request=self._admit,
            ping_interval=60,
            ping_timeout=60,
            max_size=256 * 1024,
            # After a gateway restart every charger reconnects at once; admitting one needs the
            # database, so give the handshake time rather than make the charger retry (and add load).
            open_timeout=60,
        )
        self._spawn(self._dispatch_loop())
        self._spawn(self._seen_loop())
        return self.server

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._flush_seen()
        await self.db(gateway_stopped, gateway_id=self.gateway_id, now=timezone.now())
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    @property
    def port(self) -> int:
        if self.server is None:
            raise RuntimeError("The gateway is not started.")
        return int(next(iter(self.server.sockets)).getsockname()[1])

    # Connections.
    async def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        match = _PATH.match(request.path.split("?", 1)[0])
        if match is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "Chargers connect to /ocpp/<charge point id>.\n")
        offered = {p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")}
        if SUBPROTOCOL not in offered:
            return connection.respond(
                HTTPStatus.BAD_REQUEST, "This central system speaks OCPP 1.6J only: offer subprotocol ocpp1.6.\n"
            )
        cp_id, address = match["id"], _client_address(connection, request)
        admission = await self.db(charger_admit, cp_id, password=_basic_password(request, cp_id), address=address)
        if admission.asset is None:
            logger.warning("Refused a connection from %s: %s", address, admission.refusal)
            response = connection.respond(HTTPStatus(admission.status), admission.refusal + "\n")
            if admission.status == HTTPStatus.UNAUTHORIZED:
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP"'
            if admission.retry_after_s:
                response.headers["Retry-After"] = str(admission.retry_after_s)
            return response
        self._admitted[id(connection)] = admission.asset
        return None

    async def _connection(self, connection: ServerConnection) -> None:
        asset = self._admitted.pop(id(connection))
        charge_point = CentralChargePoint(asset, connection, self)
        cp_id = asset.ocpp_charge_point_id
        previous = self.chargers.get(cp_id)
        self.chargers[cp_id] = charge_point
        if previous is not None:
            sender = self._senders.get(cp_id)
            if sender is not None:
                sender.cancel()  # it was talking to the old socket; the new one gets the command again
            await previous._connection.close(1000, "Replaced by a newer connection from the same charger.")
        connected_at = timezone.now()
        resent = await self.db(charger_connected, asset, gateway_id=self.gateway_id, now=connected_at)
        logger.info("%s connected%s", cp_id, f"; {resent} commands to send again" if resent else "")
        try:
            await charge_point.start()
        except ConnectionClosed:
            pass
        finally:
            if self.chargers.get(cp_id) is charge_point:
                del self.chargers[cp_id]
                sender = self._senders.get(cp_id)
                if sender is not None:
                    sender.cancel()  # its command goes back to the queue, for the next connection
                await self.db(charger_disconnected, asset, gateway_id=self.gateway_id, now=timezone.now())
            logger.info("%s disconnected", cp_id)

    # Commands.
    async def _dispatch_loop(self) -> None:
        while True:
            try:
                await self.dispatch_once()
            except Exception:  # a database hiccup must not stop the loop; the rows wait
                logger.exception("Sending commands failed; trying again")
            await asyncio.sleep(self.command_poll_s)

    async def dispatch_once(self) -> int:
        """Start sending the due commands of every connected, idle charger; returns how many chargers."""
        if not self.chargers:
            return 0
        busy = [self.chargers[cp_id].asset.pk for cp_id in self._senders if cp_id in self.chargers]
        due = await self.db_first(command_service.commands_due, gateway_id=self.gateway_id, busy_asset_ids=busy)
        by_charger: dict[str, list[ChargerCommand]] = {}
        for command in due:
            by_charger.setdefault(command.asset.ocpp_charge_point_id, []).append(command)
        started = 0
        for cp_id, queued in by_charger.items():
            if cp_id in self._senders or cp_id not in self.chargers:
                continue
            self._senders[cp_id] = self._spawn(self._send_all(cp_id, queued))
            started += 1
        return started

    async def _send_all(self, cp_id: str, queued: list[ChargerCommand]) -> None:
        try:
            for command in queued:
                charge_point = self.chargers.get(cp_id)
                if charge_point is None or not await self._send(charge_point, command):
                    return
        finally:
            self._senders.pop(cp_id, None)

    async def _send(self, charge_point: CentralChargePoint, command: ChargerCommand) -> bool:
        """Send one command and record the outcome; False if the socket is gone (the rest must wait)."""
        requests = await self.db_first(_prepare, command, self.gateway_id)
        if not requests:
            return True  # taken by another gateway, or refused before sending
        response: dict[str, Any] = {}
        for step in requests:
            try:
                answer = await charge_point.call(wire.request_for(step["action"], step["request"]), suppress=False)
            except (ConnectionClosed, asyncio.CancelledError):
                # The socket dropped before the answer: the charger may or may not have acted, so the
                # command is sent again (profiles and reads are idempotent) when it is back.
                dropped = "The connection dropped mid-command."
                unsent = self.db_first(command_service.command_unsent, command, error=dropped)
                await asyncio.shield(unsent)
                return False
            except TimeoutError:
                error = f"No answer from the charger within {self.response_timeout_s:g} s."
                await self.db_first(_unanswered, command, error, timezone.now())
                return True
            except OCPPError as error:
                answer_error = f"The charger answered with an OCPP error: {error}"
                await self.db_first(_unanswered, command, answer_error, timezone.now())
                return True
            response = wire.response_as_json(answer)
        await self.db_first(_answered, command, response, timezone.now())  # the answer's arrival time, not the write's
        return True

    # Last seen.
    async def _seen_loop(self) -> None:
        while True:
            await asyncio.sleep(self.seen_flush_s)
            try:
                await self._flush_seen()
            except Exception:
                logger.exception("Recording last-seen times failed; trying again")

    async def _flush_seen(self) -> None:
        seen, self._seen = self._seen, set()
        await self.db(chargers_seen, seen, now=timezone.now())

    def _spawn(self, coroutine: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


# Each runs in a database thread as one call: a command costs two round trips to the database
# thread pool, before and after the charger's answer, which is what bounds a burst of schedules.
def _prepare(command: ChargerCommand, gateway_id: str) -> list[dict[str, Any]]:
    """Claim the command and build what goes to the charger now; empty if there is nothing to send."""
    now = timezone.now()
    if not command_service.command_claim(command, gateway_id=gateway_id, now=now):
        return []
    try:
        if command.action == CommandAction.SET_CHARGING_PROFILE and command.schedule_id is not None:
            steps = schedule_request(command)
        else:
            steps = [{"action": command.action, "request": command.payload}]
    except ProfileRefused as refusal:
        _unanswered(command, f"The charger cannot follow it: {refusal}", now)
        return []
    command_service.command_sent(command, request=steps[-1]["request"])
    return steps


def _answered(command: ChargerCommand, response: dict[str, Any], now: datetime) -> None:
    command_service.command_answered(command, response=response, now=now)
    if command.action == CommandAction.GET_CONFIGURATION:
        notes = configuration_recorded(command.asset, keys=response.get("configurationKey") or [], now=now)
        for note in notes:
            logger.warning("%s: %s", command.asset.ocpp_charge_point_id, note)
    if command.schedule_id is not None:
        schedule_charger_answered(command, now=now)


def _unanswered(command: ChargerCommand, error: str, now: datetime) -> None:
    command_service.command_unanswered(command, now=now, error=error)
    if command.schedule_id is not None:
        schedule_charger_answered(command, now=now)


def _on_db_thread(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Each database thread keeps its connection (opening one per message was a third of the work);
    one the database dropped is closed, so the next call on this thread opens a new one."""
    try:
        return fn(*args, **kwargs)
    except (InterfaceError, OperationalError):
        connection.close()
        raise


def _basic_password(request: Request, charge_point_id: str) -> bytes | None:
    """The password in the handshake's HTTP Basic credentials (None: none given), as bytes: OCPP 1.6's
    AuthorizationKey may hold any octets. The user name must be the charge point id; it is matched
    whole rather than split at the first colon, because an id may contain one."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        credentials = base64.b64decode(header[6:].strip(), validate=True)
    except binascii.Error:
        return b""
    user = charge_point_id.encode("utf-8") + b":"
    return credentials[len(user) :] if credentials.startswith(user) else b""


def _client_address(connection: ServerConnection, request: Request) -> str:
    """The charger's address, to count failed attempts against: the peer's, or behind
    OCPP_TRUSTED_PROXY_COUNT proxies of ours (a TLS terminator that adds X-Forwarded-For) the one they saw."""
    peer = connection.remote_address
    remote = str(peer[0]) if isinstance(peer, tuple) and peer else ""
    forwarded = ",".join(request.headers.get_all("X-Forwarded-For"))
    return address_behind_proxies(remote, forwarded, settings.OCPP_TRUSTED_PROXY_COUNT)
