"""Counting in the cache: request windows, and failed credentials with a cool-off.

Used wherever someone proves who they are (homeowner and admin sign-in, password reset, Axle's
OAuth2 token, a charger's password) and for the per-client rate of Axle's pushes. It lives here,
in the lowest app, so that `chargers` and `smartcharging` share one implementation.

Keys are hashed before they reach the cache: an email address or a client's address is personal
data, and a charger id is free text a charger chose.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address to count a request against: the client's, as far as we can trust it.

    With `TRUSTED_PROXY_COUNT` = 0 (no proxy of ours in front), REMOTE_ADDR; behind proxies of ours,
    see `address_behind_proxies`.
    """
    return address_behind_proxies(
        str(request.META.get("REMOTE_ADDR", "")),
        str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
        settings.TRUSTED_PROXY_COUNT,
    )


def address_behind_proxies(remote: str, forwarded_for: str, hops: int) -> str:
    """The client's address, from the peer's (`remote`) and the X-Forwarded-For header.

    Behind `hops` proxies of ours, each appending the address it saw to X-Forwarded-For, the Nth
    entry from the right: what a client writes in the header itself lands to the left of that, so it
    cannot choose the address it is counted against. A request with fewer entries than proxies did
    not come through them all, and counts against `remote`. (Also the OCPP gateway's, whose
    handshake is not a Django request.)
    """
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in forwarded_for.split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-hops] if len(forwarded) >= hops else remote


def window_count(key: str, timeout: int) -> int:
    """Add one to a counter that expires `timeout` s after its first count; the count so far.

    One round trip on our Redis backend (`smartcharging.cache.RedisCache.window_count`). On another
    cache (local memory in tests, the laptop's file cache) an add and an increment, whose expiry is
    that backend's: the file cache's increment restarts it. Callers put the window in the key, so a
    late expiry only keeps an old counter a little longer.
    """
    backend = caches["default"]
    fast = getattr(backend, "window_count", None)
    if fast is not None:
        return int(fast(key, timeout))
    backend.add(key, 0, timeout=timeout)
    try:
        return int(backend.incr(key))
    except ValueError:  # expired or evicted between the add and the increment: count afresh
        backend.set(key, 1, timeout=timeout)
        return 1


@dataclass(frozen=True)
class FailureLimit:
    """At most `failures` failed attempts per key within `cool_off_s`; then the key waits it out.

    `name` keeps limits apart ("sign-in", "charger-password"): the same address may fail at one
    without being refused at another.
    """

    name: str
    failures: int
    cool_off_s: int


def _cache_key(limit: FailureLimit, key: str, part: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"failures:{limit.name}:{part}:{digest}"


def failures_wait_s(limit: FailureLimit, keys: Iterable[str]) -> int:
    """Seconds until any of `keys` may try again (0: all may try now). One cache read."""
    locks = {_cache_key(limit, key, "lock"): key for key in keys if key}
    if not locks:
        return 0
    until = caches["default"].get_many(list(locks))
    remaining = max((float(value) - time.time() for value in until.values()), default=0.0)
    return max(0, int(remaining + 0.999))


def failure_record(limit: FailureLimit, keys: Iterable[str]) -> int:
    """Count one failure against each of `keys`; a key at its limit is locked for the cool-off.

    Returns the seconds to wait now (0 if no key reached its limit with this failure).
    """
    backend = caches["default"]
    wait = 0
    for key in keys:
        if not key:
            continue
        count = window_count(_cache_key(limit, key, "count"), timeout=limit.cool_off_s)
        if count >= limit.failures:
            # The lock holds its own end time, so a refusal can say how long is left.
            backend.set(_cache_key(limit, key, "lock"), time.time() + limit.cool_off_s, timeout=limit.cool_off_s)
            wait = limit.cool_off_s
    return wait


def failures_clear(limit: FailureLimit, keys: Iterable[str]) -> None:
    """Forget the failures of `keys` (after a success: a person who got in is not a guesser)."""
    names = [_cache_key(limit, key, part) for key in keys if key for part in ("count", "lock")]
    if names:
        caches["default"].delete_many(names)
