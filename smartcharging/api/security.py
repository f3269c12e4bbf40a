"""Who may push schedules: a token of Axle's own OAuth2 client with the schedules scope, optionally
a signed body, and no more requests per client than the configured rate."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.throttling import window_count
from smartcharging.services.axle_client_app import is_axle_application

from .errors import BadSignature

SCHEDULES_SCOPE = "schedules:write"
SIGNATURE_TOLERANCE_S = 300


class IsAxlesClient(BasePermission):
    """A token of one of Axle's applications (`AxleClient`), whatever scope it carries.

    Checked before the scope: the scope says what a token may do, this says whose it is, and no
    other application's token may reach the chargers.
    """

    message = (
        "This token belongs to an OAuth2 client that is not Axle's; only Axle's client may use this API. "
        "Ask the platform's operators for Axle's client credentials."
    )

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_axle_application(getattr(request.auth, "application", None))


class HasSchedulesScope(TokenHasScope):  # type: ignore[misc]  # the toolkit has no type hints
    """A valid OAuth2 access token carrying the schedules scope (a homeowner's session is not one)."""

    def get_scopes(self, request: Request, view: APIView) -> list[str]:
        return [SCHEDULES_SCOPE]


class PerClientThrottle(BaseThrottle):
    """Requests per OAuth2 client (Axle's application), at the `axle` rate in REST_FRAMEWORK.

    A fixed window counted with one cache increment (one Redis round trip): DRF's
    SimpleRateThrottle keeps every request's timestamp in one cached list, which at Axle's rate
    (thousands a minute) means thousands of entries read and written on every request.
    """

    THROTTLE_RATES: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
    _SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def __init__(self) -> None:
        self.window_ends = 0.0
        self.now = 0.0

    def allow_request(self, request: Request, view: APIView) -> bool:
        rate = self.THROTTLE_RATES.get("axle")
        application_id = getattr(request.auth, "application_id", None)
        if rate is None or application_id is None:
            return True  # no limit set, or unauthenticated (refused before this matters)
        count_text, period = rate.split("/")
        limit, seconds = int(count_text), self._SECONDS[period[0]]
        self.now = time.time()
        window = int(self.now // seconds)
        self.window_ends = (window + 1) * seconds
        counter = f"throttle:axle:{application_id}:{window}"
        return window_count(counter, timeout=seconds + 1) <= limit

    def wait(self) -> float:
        return max(1.0, self.window_ends - self.now)


@dataclass(frozen=True)
class SignedDelivery:
    """A request whose x-axle-sig checked out, until when the same header would still pass."""

    signature: str  # our own HMAC, in hex: the same for every copy of this request
    stale_at: float  # unix time

    def seconds_left(self) -> int:
        return max(1, int(self.stale_at - time.time()) + 1)


def verify_signature(raw_body: bytes, header: str | None, *, now: float | None = None) -> SignedDelivery | None:
    """Check `x-axle-sig: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">` when a secret is configured.

    None when no secret is configured (nothing is checked, so nothing can be told apart).
    """
    secret = settings.AXLE_WEBHOOK_SECRET
    if not secret:
        return None
    if not header:
        raise BadSignature("The x-axle-sig header is required.")
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:  # int() refuses "²"
        raise BadSignature("The x-axle-sig header must read t=<unix seconds>,v1=<hex signature>.")
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE_S:
        raise BadSignature("The x-axle-sig timestamp is more than 5 minutes from our clock.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise BadSignature("The x-axle-sig signature does not match the body.")
    return SignedDelivery(signature=expected, stale_at=int(timestamp) + SIGNATURE_TOLERANCE_S)
