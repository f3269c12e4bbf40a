"""Reading request bodies the way Axle's FastAPI app does: every error collected, then one 422.

The error items copy pydantic v2's wording and types (`{"type": "missing", "loc": ["body", "site",
"mpan"], "msg": "Field required", "input": ...}`), so the platform's error handling meets what Axle
really answers, `input` echo included (the platform's client must drop it before recording).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, TypeVar, cast
from uuid import UUID

Loc = tuple[str | int, ...]
ErrorItem = dict[str, Any]
T = TypeVar("T")

_MISSING: Any = object()
_CLOCK_TEXT = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


class ValidationFailed(Exception):
    """The request's 422: FastAPI's `{"detail": [...]}`."""

    def __init__(self, items: Sequence[ErrorItem]) -> None:
        super().__init__(f"{len(items)} validation error(s)")
        self.items = list(items)


def error(loc: Loc, type_: str, msg: str, value: object = _MISSING) -> ErrorItem:
    item: ErrorItem = {"type": type_, "loc": list(loc), "msg": msg}
    if value is not _MISSING:
        item["input"] = value
    return item


def value_error(loc: Loc, message: str, value: object = _MISSING) -> ValidationFailed:
    """A single custom check's failure, as pydantic words a validator's ValueError."""
    return ValidationFailed([error(loc, "value_error", f"Value error, {message}", value)])


class Errors:
    """The errors of one request; `check()` raises them all at once, as FastAPI answers them."""

    def __init__(self) -> None:
        self.items: list[ErrorItem] = []

    def add(self, loc: Loc, type_: str, msg: str, value: object = _MISSING) -> None:
        self.items.append(error(loc, type_, msg, value))

    def check(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


class Obj:
    """One JSON object of the body at `loc`; each accessor returns None when the value is missing or wrong."""

    def __init__(self, data: Mapping[str, Any], loc: Loc, errors: Errors) -> None:
        self.data, self.loc, self.errors = data, loc, errors

    @classmethod
    def body(cls, value: object) -> Obj:
        """The request body as an object with its own error list; not an object at all is a 422 at once."""
        errors = Errors()
        if not isinstance(value, dict):
            errors.add(("body",), "model_attributes_type", "Input should be a valid dictionary or object", value)
            errors.check()
        return cls(cast(dict[str, Any], value), ("body",), errors)

    def _read(self, key: str, required: bool, convert: Callable[[Any, Loc], T | None]) -> T | None:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or (value is None and not required):
            if required:
                self.errors.add((*self.loc, key), "missing", "Field required", dict(self.data))
            return None
        return convert(value, (*self.loc, key))

    def _fail(self, loc: Loc, type_: str, msg: str, value: object) -> None:
        self.errors.add(loc, type_, msg, value)

    def text(self, key: str, *, required: bool = True) -> str | None:
        def convert(value: Any, loc: Loc) -> str | None:
            if isinstance(value, str):
                return value
            self._fail(loc, "string_type", "Input should be a valid string", value)
            return None

        return self._read(key, required, convert)

    def number(
        self,
        key: str,
        *,
        required: bool = True,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
    ) -> float | None:
        def convert(value: Any, loc: Loc) -> float | None:
            number = _as_number(value)
            if number is None:
                self._fail(loc, "float_parsing", "Input should be a valid number", value)
                return None
            if ge is not None and number < ge:
                self._fail(loc, "greater_than_equal", f"Input should be greater than or equal to {ge:g}", value)
                return None
            if gt is not None and number <= gt:
                self._fail(loc, "greater_than", f"Input should be greater than {gt:g}", value)
                return None
            if le is not None and number > le:
                self._fail(loc, "less_than_equal", f"Input should be less than or equal to {le:g}", value)
                return None
            return number

        return self._read(key, required, convert)

    def flag(self, key: str, *, default: bool) -> bool:
        def convert(value: Any, loc: Loc) -> bool | None:
            if isinstance(value, bool):
                return value
            self._fail(loc, "bool_parsing", "Input should be a valid boolean", value)
            return None

        found = self._read(key, False, convert)
        return default if found is None else found

    def choice(self, key: str, allowed: Sequence[str], *, required: bool = True) -> str | None:
        def convert(value: Any, loc: Loc) -> str | None:
            if isinstance(value, str) and value in allowed:
                return value
            options = ", ".join(f"'{option}'" for option in allowed[:-1]) + f" or '{allowed[-1]}'"
            self._fail(loc, "enum", f"Input should be {options}", value)
            return None

        return self._read(key, required, convert)

    def instant(self, key: str, *, required: bool = True) -> datetime | None:
        """An aware datetime. Axle's timestamps carry their offset, and a naive one is a sender's bug."""

        def convert(value: Any, loc: Loc) -> datetime | None:
            try:
                parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None:
                self._fail(loc, "datetime_from_date_parsing", "Input should be a valid datetime", value)
                return None
            if parsed.tzinfo is None:
                self._fail(loc, "timezone_aware", "Input should have timezone info", value)
                return None
            return parsed

        return self._read(key, required, convert)

    def day(self, key: str, *, required: bool = True) -> date | None:
        def convert(value: Any, loc: Loc) -> date | None:
            try:
                return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
            except ValueError:
                return None

        return self._checked(key, required, convert, "date_from_datetime_parsing", "Input should be a valid date")

    def clock(self, key: str, *, required: bool = True) -> time | None:
        def convert(value: Any, loc: Loc) -> time | None:
            if not (isinstance(value, str) and _CLOCK_TEXT.match(value)):
                return None
            try:
                return time.fromisoformat(value)
            except ValueError:
                return None

        return self._checked(key, required, convert, "time_parsing", "Input should be in a valid time format")

    def identifier(self, key: str, *, required: bool = True) -> UUID | None:
        return self._checked(key, required, _as_uuid, "uuid_parsing", "Input should be a valid UUID")

    def _checked(
        self, key: str, required: bool, convert: Callable[[Any, Loc], T | None], type_: str, msg: str
    ) -> T | None:
        def checked(value: Any, loc: Loc) -> T | None:
            converted = convert(value, loc)
            if converted is None:
                self._fail(loc, type_, msg, value)
                return None
            return converted

        return self._read(key, required, checked)

    def child(self, key: str, *, required: bool = True) -> Obj | None:
        def convert(value: Any, loc: Loc) -> Obj | None:
            if isinstance(value, dict):
                return Obj(value, loc, self.errors)
            self._fail(loc, "model_attributes_type", "Input should be a valid dictionary or object", value)
            return None

        return self._read(key, required, convert)

    def children(self, key: str, *, required: bool = True) -> list[Obj]:
        def convert(value: Any, loc: Loc) -> list[Obj] | None:
            if not isinstance(value, list):
                self._fail(loc, "list_type", "Input should be a valid list", value)
                return None
            items = []
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    items.append(Obj(item, (*loc, index), self.errors))
                else:
                    self._fail((*loc, index), "model_attributes_type", "Input should be a valid dictionary", item)
            return items

        return self._read(key, required, convert) or []

    def texts(self, key: str, *, required: bool = True) -> list[str]:
        def convert(value: Any, loc: Loc) -> list[str] | None:
            if not isinstance(value, list):
                self._fail(loc, "list_type", "Input should be a valid list", value)
                return None
            good = [item for item in value if isinstance(item, str)]
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    self._fail((*loc, index), "string_type", "Input should be a valid string", item)
            return good

        return self._read(key, required, convert) or []


def _as_number(value: Any) -> float | None:
    # pydantic's lax mode reads numbers and numeric strings, never booleans.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _as_uuid(value: Any, loc: Loc) -> UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def path_uuid(value: str, name: str) -> str:
    """A path parameter Axle types as a uuid: its canonical text, or the 422 FastAPI gives."""
    parsed = _as_uuid(value, ("path", name))
    if parsed is None:
        raise ValidationFailed([error(("path", name), "uuid_parsing", "Input should be a valid UUID", value)])
    return str(parsed)
