"""Errors from calls to Axle, each saying whether a later retry can help.

Every error carries what an admin needs to understand it (the status code, Axle's own error body,
a readable message) and nothing that grants access: no credentials, no tokens, no request bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, ClassVar

_MAX_TEXT = 300  # an HTML error page from a proxy says nothing more useful after this


class AxleError(Exception):
    """A call to Axle that did not give the answer asked for.

    `status_code` is None when no answer came (timeout, connection refused). `body` is Axle's parsed
    JSON error body (FastAPI style, `{"detail": ...}`) or its text. `retry_after` is in seconds.
    """

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: object | None = None,
        retry_after: float | None = None,
        duration_ms: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after
        self.duration_ms = duration_ms

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        # The body stays out: it can be long, and the admin reads it where it is recorded.
        return f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling, which Celery's pool relies on.
        return (_restore, (type(self), dict(self.__dict__)))


class AxleTransientError(AxleError):
    """Axle may well accept the same call later: 401 after a renewed token, 408, 429, 5xx, no answer."""

    transient = True


class AxlePermanentError(AxleError):
    """Axle refused the call as it stands (4xx); sending it again unchanged cannot help."""


class AxleCredentialsError(AxlePermanentError):
    """Axle refused the platform's own username and password: only an operator can fix that."""


class AxleProtocolError(AxlePermanentError):
    """Axle answered success, but not in the shape its API promises (a required field missing)."""


def _restore(cls: type[AxleError], state: dict[str, Any]) -> AxleError:
    error = cls.__new__(cls)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state)
    return error


def is_transient_status(status_code: int) -> bool:
    # 401 counts as transient: the caller already renewed the token once, and a later retry with
    # a fresh one can still succeed.
    return status_code in (401, 408, 429) or status_code >= 500


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP-date; None if unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit that float() refuses
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def describe_detail(body: object) -> str:
    """Axle's error body in one line: a FastAPI 422 list becomes "site.mpan: field required; ..."."""
    detail = body.get("detail", body) if isinstance(body, Mapping) else body
    if isinstance(detail, list):
        return "; ".join(_describe_item(item) for item in detail)
    if isinstance(detail, str):
        return _shorten(detail)
    if detail is None:
        return ""
    return _shorten(json.dumps(detail, separators=(",", ":"), default=str))


def _describe_item(item: object) -> str:
    if not isinstance(item, Mapping):
        return _shorten(str(item))
    loc = item.get("loc")
    parts = [str(part) for part in loc] if isinstance(loc, list) else []
    # FastAPI puts "body" first for every field of the request body; it says nothing to a reader.
    if parts[:1] == ["body"]:
        parts = parts[1:]
    msg = str(item.get("msg", "")).strip() or "invalid"
    return f"{'.'.join(parts)}: {msg}" if parts else msg


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def answered_message(status_code: int, body: object, retry_after: float | None) -> str:
    """ "Axle answered 422: site.mpan: field required", readable by an admin."""
    detail = describe_detail(body)
    if not detail:
        try:
            detail = HTTPStatus(status_code).phrase
        except ValueError:
            detail = "no explanation"
    message = f"Axle answered {status_code}: {detail}"
    if retry_after is not None:
        message += f" (retry after {retry_after:.0f} s)"
    return message


def scrub(value: object, secrets: tuple[str, ...]) -> object:
    """`value` with every secret replaced and FastAPI's echoed `input` dropped, at any depth."""
    secrets = tuple(secret for secret in secrets if secret)
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[redacted]")
        return value
    if isinstance(value, Mapping):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items() if k != "input"}
    if isinstance(value, list | tuple):
        return [scrub(item, secrets) for item in value]
    return value
