"""Who may push schedules: Axle's OAuth2 client with the schedules scope, optionally a signed body,
and no more requests per client than the configured rate."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .errors import BadSignature

SCHEDULES_SCOPE = "schedules:write"
SIGNATURE_TOLERANCE_S = 300


class HasSchedulesScope(TokenHasScope):  # type: ignore[misc]  # the toolkit has no type hints
    """A valid OAuth2 access token carrying the schedules scope (a homeowner's session is not one)."""

    def get_scopes(self, request: Request, view: APIView) -> list[str]:
        return [SCHEDULES_SCOPE]


class PerClientThrottle(SimpleRateThrottle):
    """Requests per OAuth2 client (Axle's application), at the `axle` rate in REST_FRAMEWORK."""

    scope = "axle"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        application_id = getattr(request.auth, "application_id", None)
        if application_id is None:
            return None  # unauthenticated requests are refused before this matters
        return self.cache_format % {"scope": self.scope, "ident": application_id}


def verify_signature(raw_body: bytes, header: str | None, *, now: float | None = None) -> None:
    """Check `x-axle-sig: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">` when a secret is configured."""
    secret = settings.AXLE_WEBHOOK_SECRET
    if not secret:
        return
    if not header:
        raise BadSignature("The x-axle-sig header is required.")
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not signature:
        raise BadSignature("The x-axle-sig header must read t=<unix seconds>,v1=<hex signature>.")
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE_S:
        raise BadSignature("The x-axle-sig timestamp is more than 5 minutes from our clock.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise BadSignature("The x-axle-sig signature does not match the body.")
