"""Our end of one charger's OCPP 1.6J conversation: what it tells us, answered by the ocpp package.

Handlers stay thin: they read the message, call a service through the gateway's database runner,
and answer. A report the services refuse is answered with an OCPP CallError naming the problem,
and the connection stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from ocpp.exceptions import FormatViolationError, PropertyConstraintViolationError
from ocpp.messages import CallError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.exceptions import ConnectionClosed

import chargers.ocpp_validation  # noqa: F401  (payload checks in line; see there)
from chargers.models import Asset
from chargers.services.connections import charger_booted
from smartcharging.services import charger_reports

from . import wire

if TYPE_CHECKING:
    from .gateway import Gateway

logger = logging.getLogger(__name__)
_Handler = TypeVar("_Handler", bound=Callable[..., Any])
_ACCEPTED = {"status": AuthorizationStatus.accepted}
_ANSWER = re.compile(r"\s*\[\s*[34]\s*,")  # a CallResult or CallError frame: [3, ... or [4, ...
# OCPP 1.6 lets a charger have one call unanswered at a time; a few more are read ahead, in order.
_CALLS_READ_AHEAD = 8


def _on(action: Action) -> Callable[[_Handler], _Handler]:
    """`ocpp.routing.on`, typed (the package is untyped)."""
    return cast(Callable[[_Handler], _Handler], on(action))


class CentralChargePoint(ChargePoint):  # type: ignore[misc]  # ocpp is untyped
    def __init__(self, asset: Asset, connection: Any, gateway: Gateway) -> None:
        super().__init__(asset.ocpp_charge_point_id, connection, response_timeout=gateway.response_timeout_s)
        self.asset = asset
        self.gateway = gateway

    async def start(self) -> None:
        """Read the charger's frames; its calls are handled in order, its answers to ours at once.

        The package handles a call before it reads the next frame, so a report waiting for the
        database held back the answer to a SetChargingProfile the charger had sent just after it: in
        a burst of schedules the answer then waited for the report, which waits behind commands.
        Here a task of the connection's own takes the calls one at a time, in the order they came.
        """
        calls: asyncio.Queue[str | bytes | None] = asyncio.Queue(maxsize=_CALLS_READ_AHEAD)
        handler = asyncio.create_task(self._handle_calls(calls))
        try:
            while True:
                frame = await self._connection.recv()
                if isinstance(frame, str) and _ANSWER.match(frame):
                    await self.route_message(frame)  # to the call() waiting for it
                else:
                    await calls.put(frame)  # waits only if the charger has that many calls unanswered
        except ConnectionClosed:
            # What the charger said before the socket closed is still recorded; the answers go nowhere.
            if not handler.done():
                await calls.put(None)
            await handler  # raises what made the handler fail, if anything did
            raise
        finally:
            handler.cancel()

    async def _handle_calls(self, calls: asyncio.Queue[str | bytes | None]) -> None:
        try:
            while (frame := await calls.get()) is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self.route_message(frame)
        except Exception:
            # A fault of ours, not the charger's (those are answered as CallErrors): end the connection,
            # as the package does, rather than read on with nobody answering.
            await self._connection.close(1011, "The central system failed handling a message.")
            raise

    async def route_message(self, raw_msg: str | bytes) -> None:
        """As the package does, but a frame that is not OCPP at all is answered too when it carries an id.

        The package only logs such a frame; the charger would then wait for an answer until it times out.
        """
        try:
            frame = json.loads(raw_msg)
        except (json.JSONDecodeError, UnicodeDecodeError):
            frame = None
        is_call = isinstance(frame, list) and len(frame) >= 3 and frame[0] == 2 and isinstance(frame[1], str)
        if is_call and (len(frame) != 4 or not isinstance(frame[2], str) or not isinstance(frame[3], dict)):
            error = FormatViolationError(description="A Call is [2, id, action, {payload}]: this frame is not.")
            await self._send(CallError(frame[1], error.code, error.description, {}).to_json())
            return
        if frame is None or not isinstance(frame, list):
            logger.warning("%s sent a frame that is not OCPP JSON; ignored: %.200r", self.id, raw_msg)
            return
        self.gateway.seen(self.asset.pk)
        await super().route_message(raw_msg)

    @_on(Action.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, firmware_version: str = "", **_: Any
    ) -> call_result.BootNotification:
        now = timezone.now()
        await self.gateway.db(
            charger_booted,
            self.asset,
            vendor=charge_point_vendor,
            model=charge_point_model,
            firmware=firmware_version,
            now=now,
        )
        return call_result.BootNotification(
            current_time=now.isoformat(),
            interval=self.gateway.heartbeat_interval_s,
            status=RegistrationStatus.accepted,
        )

    @_on(Action.heartbeat)
    async def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=timezone.now().isoformat())

    @_on(Action.status_notification)
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, timestamp: str | None = None, **_: Any
    ) -> call_result.StatusNotification:
        at = _at(timestamp)
        await self.gateway.db(
            charger_reports.status_reported, self.asset, connector_id=connector_id, status=status, at=at
        )
        return call_result.StatusNotification()

    @_on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> call_result.Authorize:
        # A home charger's owner is its only user: every tag is accepted (the platform does no billing).
        return call_result.Authorize(id_tag_info=_ACCEPTED)

    @_on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        started = await self._report(
            charger_reports.transaction_started,
            self.asset,
            id_tag=id_tag,
            meter_start_wh=float(meter_start),
            at=_at(timestamp),
        )
        return call_result.StartTransaction(transaction_id=started.pk, id_tag_info=_ACCEPTED)

    @_on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, reason: str = "Local", **_: Any
    ) -> call_result.StopTransaction:
        await self._report(
            charger_reports.transaction_stopped,
            self.asset,
            transaction_id=transaction_id,
            meter_stop_wh=float(meter_stop),
            at=_at(timestamp),
            reason=reason,
        )
        return call_result.StopTransaction(id_tag_info=_ACCEPTED)

    @_on(Action.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> call_result.MeterValues:
        try:
            samples = wire.energy_samples(meter_value, now=timezone.now())
        except wire.BadMeterValue as error:
            raise PropertyConstraintViolationError(description=str(error)) from error
        if samples:
            await self._report(charger_reports.meter_values_reported, self.asset, samples=samples)
        return call_result.MeterValues()

    async def _report(self, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a reporting service; its refusal goes back to the charger as a CallError in words."""
        try:
            return await self.gateway.db(service, *args, **kwargs)
        except ValidationError as error:
            raise PropertyConstraintViolationError(description="; ".join(error.messages)) from error


def _at(value: str | None) -> datetime:
    try:
        return wire.timestamp(value, default=timezone.now())
    except ValueError as error:
        raise FormatViolationError(description=f"timestamp {value!r} is not an ISO 8601 date-time") from error
