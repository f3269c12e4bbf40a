"""Strict reading of Axle's JSON answers: a missing or mistyped field is refused, and named.

Values never appear in the messages: some of them (a withdrawal URL, a token) grant access.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from .errors import AxleProtocolError

T = TypeVar("T")


class Fields:
    """One JSON object in an Axle answer; `path` says where it sits, for the error messages."""

    def __init__(self, value: object, *, endpoint: str, path: str = "") -> None:
        self.endpoint = endpoint
        self.path = path
        if not isinstance(value, dict):
            raise self._refuse(f"{path or 'the answer'} is not a JSON object")
        self.raw: dict[str, object] = value

    def _refuse(self, problem: str) -> AxleProtocolError:
        return AxleProtocolError(f"Axle's answer to {self.endpoint} is not as documented: {problem}")

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _optional(self, key: str, what: str, convert: Callable[[object], T | None]) -> T | None:
        value = self.raw.get(key)
        if value is None:
            return None
        converted = convert(value)
        if converted is None:
            # The value itself stays out of the message: it may be a withdrawal URL or a token.
            raise self._refuse(f"field {self._where(key)} is not {what}")
        return converted

    def _required(self, key: str, what: str, convert: Callable[[object], T | None]) -> T:
        value = self._optional(key, what, convert)
        if value is None:
            raise self._refuse(f"the required field {self._where(key)} is missing")
        return value

    def text(self, key: str) -> str:
        return self._required(key, "a string", _as_str)

    def optional_text(self, key: str) -> str | None:
        return self._optional(key, "a string", _as_str)

    def choice(self, key: str, allowed: tuple[T, ...]) -> T:
        return self._required(key, f"one of {', '.join(map(str, allowed))}", _in(allowed))

    def flag(self, key: str) -> bool:
        return self._required(key, "true or false", _as_bool)

    def optional_flag(self, key: str) -> bool | None:
        return self._optional(key, "true or false", _as_bool)

    def integer(self, key: str) -> int:
        return self._required(key, "an integer", _as_int)

    def optional_integer(self, key: str) -> int | None:
        return self._optional(key, "an integer", _as_int)

    def optional_number(self, key: str) -> float | None:
        return self._optional(key, "a number", _as_float)

    def identifier(self, key: str) -> UUID:
        return self._required(key, "a uuid", _as_uuid)

    def optional_identifier(self, key: str) -> UUID | None:
        return self._optional(key, "a uuid", _as_uuid)

    def instant(self, key: str) -> datetime:
        return self._required(key, "an ISO 8601 date-time with an offset", _as_instant)

    def optional_instant(self, key: str) -> datetime | None:
        return self._optional(key, "an ISO 8601 date-time with an offset", _as_instant)

    def optional_day(self, key: str) -> date | None:
        return self._optional(key, "an ISO 8601 date", _as_day)

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of strings that Axle may leave out when empty."""
        items = self._optional(key, "a list", _as_list) or []
        if not all(isinstance(item, str) for item in items):
            raise self._refuse(f"field {self._where(key)} is not a list of strings")
        return tuple(str(item) for item in items)

    def child(self, key: str) -> Fields:
        return Fields(self._required(key, "a JSON object", _as_dict), endpoint=self.endpoint, path=self._where(key))

    def children(self, key: str, *, required: bool = True) -> tuple[Fields, ...]:
        items = self._required(key, "a list", _as_list) if required else self._optional(key, "a list", _as_list)
        where = self._where(key)
        return tuple(
            Fields(item, endpoint=self.endpoint, path=f"{where}[{index}]") for index, item in enumerate(items or [])
        )


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _in(allowed: tuple[T, ...]) -> Callable[[object], T | None]:
    return lambda value: next((option for option in allowed if option == value), None)


def _as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _as_uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _as_instant(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    # Axle documents offsets on every timestamp; a naive one would be read in the wrong zone.
    return parsed if parsed is not None and parsed.utcoffset() is not None else None


def _as_day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _as_list(value: object) -> list[object] | None:
    return value if isinstance(value, list) else None


def _as_dict(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None
