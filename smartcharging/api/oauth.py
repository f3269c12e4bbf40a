"""Axle's door: the OAuth2 token and revocation endpoints, and which scopes an application gets.

The platform runs an OAuth2 server for one client, Axle, which authenticates with its own secret
(client credentials). So only those two endpoints are routed (no authorisation page, no
application management: operators create clients with `manage.py axle_oauth_client` or as
superusers in admin), only the client-credentials grant is issued, and only Axle's applications
may be granted the schedules scope. Failed client authentications are counted per client id and
per address and cooled off (`services.axle_token_attempts`), as both endpoints check a secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.models import AbstractApplication
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import RevokeTokenView, TokenView

from accounts.throttling import client_address
from smartcharging.services.axle_client_app import is_axle_application
from smartcharging.services.axle_token_attempts import (
    token_attempt_failed,
    token_attempt_succeeded,
    token_attempt_wait_s,
)

from .security import SCHEDULES_SCOPE

GRANT_TYPE = "client_credentials"


class AxleScopes(BaseScopes):  # type: ignore[misc]  # the toolkit has no type hints
    """`schedules:write` for Axle's applications (also their default, so Axle need not ask for it);
    no scope at all for any other application."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: AbstractApplication | None = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [SCHEDULES_SCOPE] if is_axle_application(application) else []

    def get_default_scopes(
        self, application: AbstractApplication | None = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)


def _oauth_error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def claimed_client_id(request: HttpRequest) -> str:
    """The client id a token request names, before it is checked: HTTP Basic (RFC 6749 2.3.1,
    form-encoded), else the body's `client_id`. Empty if it names none."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])
    return str(request.POST.get("client_id", ""))


def _client_authentication_failed(response: HttpResponse) -> bool:
    if response.status_code != 401:
        return False
    try:
        return bool(json.loads(response.content).get("error") == "invalid_client")
    except (ValueError, AttributeError):
        return False


class _CooledOff:
    """Refuse a client id or address in its cool-off with 429; count failed client authentications.

    The address is `accounts.throttling.client_address`, as for sign-in: REMOTE_ADDR, or behind
    `TRUSTED_PROXY_COUNT` proxies of ours the address they saw (else every caller shares theirs).
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client_id, address = claimed_client_id(request), client_address(request)
        wait = token_attempt_wait_s(client_id=client_id, address=address)
        if wait:
            refusal = _oauth_error(429, "too_many_attempts", f"Too many failed attempts; try again in {wait} seconds.")
            refusal["Retry-After"] = str(wait)
            return refusal
        response: HttpResponse = super().post(request, *args, **kwargs)  # type: ignore[misc]
        if _client_authentication_failed(response):
            token_attempt_failed(client_id=client_id, address=address)
        elif response.status_code == 200:
            token_attempt_succeeded(client_id=client_id)
        return response


class AxleTokenView(_CooledOff, TokenView):  # type: ignore[misc]
    """`POST /oauth/token/`: a token for the client-credentials grant only."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("grant_type") != GRANT_TYPE:
            return _oauth_error(
                400, "unsupported_grant_type", f"This server issues tokens only for grant_type={GRANT_TYPE}."
            )
        return super().post(request, *args, **kwargs)


class AxleRevokeTokenView(_CooledOff, RevokeTokenView):  # type: ignore[misc]
    """`POST /oauth/revoke_token/`: a client revokes one of its own tokens (RFC 7009)."""
