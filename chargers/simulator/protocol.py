"""The OCPP 1.6J side of a simulated charger: the ocpp package's ChargePoint, answering the central system.

Handlers only change state and answer; anything the charger must send as a consequence (a StatusNotification
after a new limit, a StopTransaction after RemoteStop, a triggered message) is left to the charger's firmware
loop, woken here. Calling out from a handler would deadlock: the handler runs inside the receive loop that
would have to read the reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

import chargers.ocpp_validation  # noqa: F401  (payload checks in line; see there)
from chargers.simulator.models import WRITABLE_KEYS
from chargers.simulator.schedule import ProfileRejected, iso, profile_from_ocpp

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from chargers.simulator.charger import SimulatedCharger

TRIGGERABLE = frozenset({"BootNotification", "Heartbeat", "MeterValues", "StatusNotification"})
MEASURANDS = frozenset({"Energy.Active.Import.Register", "Power.Active.Import"})
_INTEGER_KEYS = frozenset({"HeartbeatInterval", "MeterValueSampleInterval"})

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def _on(action: Action) -> Callable[[_Handler], _Handler]:
    """`ocpp.routing.on`, typed: the package is untyped and would make every handler untyped for mypy."""
    return cast(Callable[[_Handler], _Handler], on(action))


@dataclass
class Exchange:
    """One OCPP call and its answer, as the charger saw them (camelCase payloads as on the wire)."""

    action: str
    request: dict[str, Any]
    at: datetime
    response: dict[str, Any] | None = None  # None: not answered (yet, or ever when the charger is silent)


class Protocol(ChargePoint):  # type: ignore[misc]  # ocpp is untyped
    def __init__(self, owner: SimulatedCharger, connection: ClientConnection, response_timeout: float) -> None:
        super().__init__(owner.charge_point_id, connection, response_timeout=response_timeout)
        self.owner = owner
        self._unanswered: dict[str, Exchange] = {}

    # --- recording, and the `silent` fault ------------------------------------------------------------------

    async def route_message(self, raw_msg: str) -> None:
        message = _json(raw_msg)
        if isinstance(message, list) and len(message) == 4 and message[0] == 2:  # a CALL from the central system
            payload = message[3] if isinstance(message[3], dict) else {}
            exchange = Exchange(str(message[2]), payload, self.owner.clock.now())
            self.owner.received.append(exchange)
            if self.owner.silent:
                return
            self._unanswered[str(message[1])] = exchange
        await super().route_message(raw_msg)

    async def _send(self, message: str) -> None:
        parsed = _json(message)
        if isinstance(parsed, list) and len(parsed) >= 3 and parsed[0] in (3, 4):  # CALLRESULT or CALLERROR
            exchange = self._unanswered.pop(str(parsed[1]), None)
            if exchange is not None:
                exchange.response = parsed[2] if parsed[0] == 3 else {"error": parsed[2], "description": parsed[3]}
        await super()._send(message)

    # --- configuration --------------------------------------------------------------------------------------

    @_on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> call_result.GetConfiguration:
        configuration = self.owner.configuration
        wanted = key or list(configuration)
        known = [
            {"key": name, "readonly": name not in WRITABLE_KEYS, "value": configuration[name]}
            for name in wanted
            if name in configuration
        ]
        unknown = [name for name in wanted if name not in configuration]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @_on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any) -> call_result.ChangeConfiguration:
        if key not in self.owner.configuration:
            return call_result.ChangeConfiguration(status="NotSupported")
        if key not in WRITABLE_KEYS or not _valid_setting(key, value):
            return call_result.ChangeConfiguration(status="Rejected")
        self.owner.configuration[key] = value
        self.owner.event("config", f"{key} set to {value}")
        self.owner.wake()
        return call_result.ChangeConfiguration(status="Accepted")

    # --- smart charging -------------------------------------------------------------------------------------

    @_on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        profile_id = cs_charging_profiles.get("charging_profile_id")
        try:
            if self.owner.reject_profiles:
                raise ProfileRejected("reject_profiles fault")
            profile = profile_from_ocpp(cs_charging_profiles, connector_id)
            profile = self.owner.engine.install(profile, self.owner.clock.now())
        except ProfileRejected as reason:
            self.owner.event("profile", f"profile {profile_id} rejected: {reason}")
            return call_result.SetChargingProfile(status="Rejected")
        self.owner.event("profile", f"profile {profile.id} installed: {profile.purpose} stack {profile.stack_level}")
        self.owner.wake()
        return call_result.SetChargingProfile(status="Accepted")

    @_on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,  # the payload's own name
        connector_id: int | None = None,
        charging_profile_purpose: Any = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        cleared = self.owner.engine.clear(
            self.owner.clock.now(),
            profile_id=id,
            connector_id=connector_id,
            purpose=charging_profile_purpose,
            stack_level=stack_level,
        )
        self.owner.event(
            "profile",
            f"clear id={id} purpose={charging_profile_purpose}: {'cleared' if cleared else 'nothing matched'}",
        )
        self.owner.wake()
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @_on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: Any = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        if connector_id not in (0, 1):
            return call_result.GetCompositeSchedule(status="Rejected")
        schedule = self.owner.engine.composite_schedule(self.owner.clock.now(), duration, charging_rate_unit)
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=iso(schedule.start),
            charging_schedule={
                "duration": schedule.duration_s,
                "start_schedule": iso(schedule.start),
                "charging_rate_unit": schedule.unit,
                "charging_schedule_period": [
                    {"start_period": p.start_s, "limit": p.limit, "number_phases": p.number_phases}
                    for p in schedule.periods
                ],
            },
        )

    # --- transactions and remote control --------------------------------------------------------------------

    @_on(Action.remote_start_transaction)
    def on_remote_start_transaction(
        self, id_tag: str, connector_id: int | None = None, charging_profile: dict[str, Any] | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        engine = self.owner.engine
        if connector_id not in (None, 1) or engine.car is None or engine.transaction is not None:
            return call_result.RemoteStartTransaction(status="Rejected")
        self.owner.request_remote_start(id_tag, charging_profile)
        return call_result.RemoteStartTransaction(status="Accepted")

    @_on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int, **_: Any) -> call_result.RemoteStopTransaction:
        running = self.owner.engine.transaction
        if running is None or running.id != transaction_id:
            return call_result.RemoteStopTransaction(status="Rejected")
        self.owner.stop_transaction("Remote")
        return call_result.RemoteStopTransaction(status="Accepted")

    @_on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, **_: Any) -> call_result.TriggerMessage:
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        self.owner.triggered.add(requested_message)
        self.owner.wake()
        return call_result.TriggerMessage(status="Accepted")

    @_on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:  # the payload's own name
        self.owner.request_reset(type)
        return call_result.Reset(status="Accepted")


def _valid_setting(key: str, value: str) -> bool:
    if key in _INTEGER_KEYS:
        return value.isdigit()
    if key == "MeterValuesSampledData":
        return set(value.split(",")) <= MEASURANDS
    return True


def _json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
