"""Axle's token endpoint and bearer check: `POST /auth/token-form` (OAuth2 password form), 1-hour tokens.

Like Axle, the answer says nothing about expiry (no `expires_in`): the platform must know the hour.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import TYPE_CHECKING

from .validation import Errors
from .web import ApiError, Request, Response

if TYPE_CHECKING:
    from .app import StandIn

TOKEN_PATH = "/auth/token-form"  # noqa: S105 - a URL path
_BEARER = {"WWW-Authenticate": "Bearer"}


def register(app: StandIn) -> None:
    app.router.add("POST", TOKEN_PATH, lambda request: token_form(app, request), auth=False)


def token_form(app: StandIn, request: Request) -> Response:
    form = request.form()
    errors = Errors()
    for name in ("username", "password"):
        if name not in form:
            errors.add(("body", name), "missing", "Field required", None)
    grant_type = form.get("grant_type")
    if grant_type not in (None, "", "password"):
        errors.add(("body", "grant_type"), "string_pattern_mismatch", "String should match pattern '^password$'", None)
    errors.check()
    config = app.config
    # Both compared, always, in constant time: the answer must not say which one was wrong.
    right_user = hmac.compare_digest(form["username"].encode(), config.username.encode())
    right_password = hmac.compare_digest(form["password"].encode(), config.password.encode())
    if not (right_user and right_password):
        raise ApiError(401, "Incorrect username or password", headers=_BEARER)
    token = "standin." + secrets.token_urlsafe(32)
    with app.state.lock:
        now = time.time()
        # Expired tokens are dropped here, so a long-running stand-in does not keep them all.
        app.state.tokens = {key: until for key, until in app.state.tokens.items() if until > now}
        app.state.tokens[token] = now + config.token_lifetime_s
    return Response(200, {"access_token": token, "token_type": "bearer"})


def require_bearer(app: StandIn, request: Request) -> None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Not authenticated", headers=_BEARER)
    with app.state.lock:
        expires = app.state.tokens.get(token.strip())
    if expires is None or expires <= time.time():
        raise ApiError(401, "Could not validate credentials", headers=_BEARER)
