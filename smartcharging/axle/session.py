"""The one way out to Axle: a shared HTTP session and the `_request` wrapper every call goes through.

`_request` always sets the timeouts from settings, sends the bearer token (renewing it once on a
401), times the call, logs one line for it and turns every failure into a typed AxleError.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as wall_time
from decimal import Decimal
from typing import Literal
from uuid import UUID

import requests
from django.conf import settings

from .errors import (
    AxleError,
    AxlePermanentError,
    AxleTransientError,
    answered_message,
    is_transient_status,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

USER_AGENT = "smartcharging/0.1 (+platform)"

Method = Literal["GET", "POST"]
_MAX_TEXT_BODY = 2000

_session: requests.Session | None = None
_session_lock = threading.Lock()


def get_session() -> requests.Session:
    """The process-wide session, created on first use so each forked worker makes its own."""
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            _session = session
        return _session


def timeouts() -> tuple[float, float]:
    return (float(settings.AXLE_CONNECT_TIMEOUT_S), float(settings.AXLE_READ_TIMEOUT_S))


def format_timestamp(value: datetime) -> str:
    """An aware datetime as Axle reads it: ISO 8601 in UTC with its offset, "2026-04-14T22:00:00+00:00".

    A naive datetime is refused: its meaning depends on a timezone nobody wrote down.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Refusing to send a naive datetime to Axle ({value.isoformat()}); make it aware.")
    return value.astimezone(UTC).isoformat()


def _to_json(value: object) -> object:
    """json.dumps' `default`: the Python types the payload TypedDicts allow, as Axle expects them."""
    if isinstance(value, datetime):  # before date: a datetime is a date
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, wall_time):
        has_seconds = value.second or value.microsecond
        return value.isoformat() if has_seconds else value.isoformat(timespec="minutes")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Cannot send a {type(value).__name__} to Axle")


def encode_json(payload: object) -> bytes:
    return json.dumps(payload, default=_to_json, separators=(",", ":")).encode()


@dataclass(frozen=True)
class AxleResponse:
    """A successful (2xx) answer: its status, its parsed JSON (None when empty) and how long it took."""

    status_code: int
    data: object
    duration_ms: float


def _request(
    method: Method,
    path: str,
    *,
    json: object | None = None,
    params: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    gzip_body: bool = False,
    auth: bool = True,
) -> AxleResponse:
    """Call Axle at `path`; raise AxleTransientError or AxlePermanentError unless it answers 2xx.

    `json` is encoded here (aware datetimes only, so a naive one fails before anything is sent);
    `data` is sent form-encoded. With `auth`, a 401 renews the shared token once and retries once.
    """
    body: bytes | None = None
    headers: dict[str, str] = {}
    if json is not None:
        body = encode_json(json)
        headers["Content-Type"] = "application/json"
        if gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"

    def attempt(bearer: str | None) -> AxleResponse:
        authorization = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return _send(method=method, path=path, params=params, data=data, body=body, headers=headers | authorization)

    if not auth:
        return attempt(None)

    # token.py fetches its token through this module, so it is imported on first use.
    from . import token

    bearer = token.bearer_token()
    try:
        return attempt(bearer)
    except AxleTransientError as error:
        if error.status_code != 401:
            raise
    # Axle no longer takes the cached token (revoked, or expired early): renew it and try once more.
    bearer = token.renew_token(refused=bearer)
    try:
        return attempt(bearer)
    except AxleTransientError as error:
        if error.status_code == 401:
            error.message += " (even with a renewed token)"
        raise


def _send(
    *,
    method: Method,
    path: str,
    params: dict[str, str] | None,
    data: dict[str, str] | None,
    body: bytes | None,
    headers: dict[str, str],
) -> AxleResponse:
    url = settings.AXLE_BASE_URL.rstrip("/") + path
    started = time.perf_counter()
    try:
        response = get_session().request(
            method,
            url,
            params=params,
            data=body if body is not None else data,
            headers=headers,
            timeout=timeouts(),
            # Axle's API does not redirect; following one would take the bearer token somewhere else.
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise _no_answer(method, path, started, "did not answer in time", exc) from exc
    except requests.ConnectionError as exc:
        raise _no_answer(method, path, started, "could not be reached", exc) from exc
    except requests.RequestException as exc:
        # Anything else requests raises before an answer comes (bad URL) is our configuration's fault.
        duration_ms = _elapsed_ms(started)
        _log_failure(method, path, type(exc).__name__, duration_ms)
        raise AxlePermanentError(
            f"Could not call Axle at {path} ({type(exc).__name__})", duration_ms=duration_ms
        ) from exc

    duration_ms = _elapsed_ms(started)
    parsed = _parse_body(response)
    if 200 <= response.status_code < 300:
        logger.info("Axle %s %s -> %s in %.0f ms", method, path, response.status_code, duration_ms)
        return AxleResponse(status_code=response.status_code, data=parsed, duration_ms=duration_ms)

    _log_failure(method, path, str(response.status_code), duration_ms)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error_class = AxleTransientError if is_transient_status(response.status_code) else AxlePermanentError
    raise error_class(
        answered_message(response.status_code, parsed, retry_after),
        status_code=response.status_code,
        body=parsed,
        retry_after=retry_after,
        duration_ms=duration_ms,
    )


def _parse_body(response: requests.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        # Not Axle's own answer (a proxy's HTML page, most likely): enough of it to recognise.
        return response.text[:_MAX_TEXT_BODY]


def _no_answer(method: str, path: str, started: float, what: str, exc: Exception) -> AxleError:
    duration_ms = _elapsed_ms(started)
    _log_failure(method, path, type(exc).__name__, duration_ms)
    return AxleTransientError(f"Axle {what} ({type(exc).__name__})", duration_ms=duration_ms)


def _log_failure(method: str, path: str, outcome: str, duration_ms: float) -> None:
    logger.warning("Axle %s %s -> %s in %.0f ms", method, path, outcome, duration_ms)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
