"""Between OCPP 1.6J's JSON (camelCase) and the ocpp package's dataclasses (snake_case), and back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.v16 import call

ENERGY_REGISTER = "Energy.Active.Import.Register"
_WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


class BadMeterValue(ValueError):
    """A MeterValues sample that cannot be read; the message says which and why."""


def request_for(action: str, request: Mapping[str, Any]) -> Any:
    """The ocpp package's request object for an action and its camelCase fields."""
    payload_class = getattr(call, action)
    return payload_class(**camel_to_snake_case(dict(request)))


def response_as_json(response: Any) -> dict[str, Any]:
    """A call_result dataclass as the charger sent it (camelCase), for keeping and comparing."""
    if response is None:
        return {}
    is_instance = dataclasses.is_dataclass(response) and not isinstance(response, type)
    fields = dataclasses.asdict(response) if is_instance else dict(response)
    # The package reads JSON numbers with a fraction as Decimal; kept rows hold plain JSON numbers.
    plain = json.loads(json.dumps(snake_to_camel_case(fields), default=float))
    return {key: value for key, value in plain.items() if value is not None}


def timestamp(value: str | None, *, default: datetime) -> datetime:
    """An OCPP timestamp as an aware UTC datetime; OCPP timestamps are UTC, so one without offset is read so."""
    if not value:
        return default
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def energy_samples(meter_values: Iterable[Mapping[str, Any]], *, now: datetime) -> list[tuple[datetime, float]]:
    """The energy register readings (Wh) in a MeterValues message (snake_case, as the handler gets it).

    Only the total import register counts: a per-phase value would be a third of it. The measurand
    defaults to the register, and its unit to Wh, as OCPP 1.6 says.
    """
    samples: list[tuple[datetime, float]] = []
    for meter_value in meter_values:
        try:
            at = timestamp(meter_value.get("timestamp"), default=now)
        except ValueError as error:
            raise BadMeterValue(f"meterValue timestamp {meter_value.get('timestamp')!r} is not a date-time") from error
        for sampled in meter_value.get("sampled_value") or []:
            if sampled.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER or sampled.get("phase"):
                continue
            unit = sampled.get("unit", "Wh")
            if unit not in _WH_PER_UNIT:
                raise BadMeterValue(f"{ENERGY_REGISTER} in {unit!r}: only Wh and kWh are energy units")
            try:
                value = float(sampled["value"]) * _WH_PER_UNIT[unit]
            except (KeyError, TypeError, ValueError) as error:
                raise BadMeterValue(f"{ENERGY_REGISTER} value {sampled.get('value')!r} is not a number") from error
            samples.append((at, value))
    return samples
