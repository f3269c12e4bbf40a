"""Axle's bearer token: fetched with the platform's credentials, shared by every process via the cache.

Axle's token lasts an hour and says nothing about its expiry, so it is cached for
AXLE_TOKEN_LIFETIME_S - AXLE_TOKEN_RENEW_MARGIN_S and renewed before Axle would refuse it.
Neither the token nor the credentials ever reach a log line, an error message or a repr.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .errors import AxleCredentialsError, AxleError, scrub
from .fields import Fields
from .session import _request
from .types import TokenAnswer

TOKEN_PATH = "/auth/token-form"  # noqa: S105 - a URL path, not a secret
CACHE_KEY = "axle:token"
_LOCK_KEY = "axle:token:lock"
_WAIT_POLL_S = 0.05
# Axle answers these when the username or password is wrong (422 when one is missing altogether).
_CREDENTIAL_REFUSALS = frozenset({400, 401, 403, 422})


def get_token() -> TokenAnswer:
    """`POST /auth/token-form`: a new bearer token for the platform's own credentials.

    Raises AxleCredentialsError if Axle refuses the credentials; AxleTransientError if Axle could not
    answer. Most code wants `bearer_token()`, which shares one token between all processes.
    """
    secrets = (settings.AXLE_PASSWORD, settings.AXLE_USERNAME)
    form = {"username": settings.AXLE_USERNAME, "password": settings.AXLE_PASSWORD, "grant_type": "password"}
    try:
        answer = _request("POST", TOKEN_PATH, data=form, auth=False)
    except AxleError as error:
        # Axle's error body may echo the form back (FastAPI's 422 "input"): keep neither credential.
        body = scrub(error.body, secrets)
        message = str(scrub(error.message, secrets))
        error_class: type[AxleError] = type(error)
        if error.status_code in _CREDENTIAL_REFUSALS:
            error_class = AxleCredentialsError
            message = f"Axle refused the platform's credentials (AXLE_USERNAME/AXLE_PASSWORD): {message}"
        raise error_class(
            message,
            status_code=error.status_code,
            body=body,
            retry_after=error.retry_after,
            duration_ms=error.duration_ms,
        ) from None
    return TokenAnswer.parse(Fields(answer.data, endpoint=f"POST {TOKEN_PATH}"))


# This process's copy of the shared token, for a few seconds: reading Redis on every call to Axle
# costs a third of the call itself (bench/outbox.py). The copy never outlives the shared entry
# (whose renewal time is kept beside it), so the token is never used past its renewal; a 401 drops
# the copy at once.
_MEMO_S = 30.0
_RENEW_AT_KEY = "axle:token:renew-at"
_memo: tuple[str, float] | None = None  # (token, time.time() until which it may be reused)


def forget_local_copy() -> None:
    global _memo
    _memo = None


def _shared() -> str | None:
    """The shared token, keeping a local copy until the sooner of 30 s and its renewal time."""
    global _memo
    found = cache.get_many([CACHE_KEY, _RENEW_AT_KEY])
    cached, renew_at = found.get(CACHE_KEY), found.get(_RENEW_AT_KEY)
    if not (isinstance(cached, str) and cached):
        return None
    if isinstance(renew_at, float | int):
        if renew_at <= time.time():
            return None  # due for renewal by our clock, even if the cache has not dropped it yet
        _memo = (cached, min(time.time() + _MEMO_S, float(renew_at)))
    return cached


def bearer_token() -> str:
    """The token every process shares: from the cache, else fetched once and cached for all."""
    if _memo is not None and _memo[1] > time.time():
        return _memo[0]
    return _shared() or _fetch_and_share()


def renew_token(*, refused: str) -> str:
    """A token other than `refused`, which Axle just answered 401 to."""
    forget_local_copy()
    cached = _shared()
    # The same 401 reaches every worker using that token; the first to renew serves the rest.
    if cached and cached != refused:
        return cached
    forget_local_copy()
    cache.delete_many([CACHE_KEY, _RENEW_AT_KEY])
    return _fetch_and_share()


def _cache_timeout() -> int:
    timeout = int(settings.AXLE_TOKEN_LIFETIME_S) - int(settings.AXLE_TOKEN_RENEW_MARGIN_S)
    if timeout <= 0:
        raise ImproperlyConfigured("AXLE_TOKEN_RENEW_MARGIN_S must be shorter than AXLE_TOKEN_LIFETIME_S.")
    return timeout


def _fetch_and_share() -> str:
    # One process fetches while the others wait for its token, so an expiry seen by a hundred
    # workers at once costs Axle one token call. The lock lives no longer than one token call can.
    connect_s, read_s = float(settings.AXLE_CONNECT_TIMEOUT_S), float(settings.AXLE_READ_TIMEOUT_S)
    lock_timeout_s = connect_s + read_s + 1
    owns_lock = cache.add(_LOCK_KEY, "held", timeout=int(lock_timeout_s) + 1)
    if not owns_lock:
        deadline = time.monotonic() + lock_timeout_s
        while time.monotonic() < deadline:
            time.sleep(_WAIT_POLL_S)
            cached = cache.get(CACHE_KEY)
            if isinstance(cached, str) and cached:
                return cached
            if cache.get(_LOCK_KEY) is None:
                break  # the other fetch failed: fetch here rather than fail the call
    try:
        answer = get_token()
        timeout = _cache_timeout()
        cache.set_many({CACHE_KEY: answer.access_token, _RENEW_AT_KEY: time.time() + timeout}, timeout=timeout)
        return answer.access_token
    finally:
        if owns_lock:
            cache.delete(_LOCK_KEY)
