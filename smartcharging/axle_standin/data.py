"""Readings (`POST /data/readings`, a verdict per reading) and rewards (balance, transactions, withdrawal link).

A reading is refused, alone, when it is not one half hour aligned to :00/:30 UTC, is negative, is
for an unknown asset, or overlaps a stored reading of the same asset and label with another value.
Sending the same reading again is accepted and changes nothing (no second credit), so the platform
can resend a batch whose answer it lost.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import quote

from chargers.halfhours import HALF_HOUR
from smartcharging.axle.types import ReadingLabel

from . import rewards
from .faults import Faults
from .state import State, iso, reading_key
from .validation import Obj, path_uuid
from .web import ApiError, Request, Response

if TYPE_CHECKING:
    from .app import StandIn

LABELS = get_args(ReadingLabel)  # the labels our client's types already list, from Axle's docs
WITHDRAWAL_LINK_LIFETIME = timedelta(minutes=60)


def register(app: StandIn) -> None:
    add = app.router.add
    add("POST", "/data/readings", lambda r: readings(app, r))
    add("GET", "/rewards/{site_id}/info", lambda r: rewards_info(app, r))
    add("GET", "/rewards/{site_id}/transactions", lambda r: rewards_transactions(app, r))
    add("GET", "/rewards/{site_id}/url/balance", lambda r: withdrawal_url(app, r))


# --- Readings -------------------------------------------------------------------------------------


def readings(app: StandIn, request: Request) -> Response:
    body = Obj.body(request.json())
    items = []
    for item in body.children("readings"):
        asset_id = item.identifier("asset_id")
        start, end = item.instant("start_timestamp"), item.instant("end_timestamp")
        value, label = item.number("value"), item.choice("label", LABELS)
        if asset_id and start and end and value is not None and label:
            items.append((str(asset_id), start, end, value, label))
    body.errors.check()
    with app.state.lock:
        verdicts = []
        for asset_text, start, end, value, label in items:
            error = _judge(app.state, app.faults, asset_text, start, end, value, label)
            if error is None:
                _store(app, asset_text, start, end, value, label)
            verdict: dict[str, Any] = {
                "asset_id": asset_text,
                "start_timestamp": iso(start),
                "end_timestamp": iso(end),
                "value": value,
                "label": label,
                "accepted": error is None,
            }
            verdicts.append(verdict | ({"error": error} if error else {}))
        return Response(200, {"responses": verdicts})


def _judge(
    state: State, faults: Faults, asset_id: str, start: datetime, end: datetime, value: float, label: str
) -> str | None:
    """Why the reading is refused, or None to accept it."""
    if start.astimezone(UTC).minute % 30 or start.second or start.microsecond:
        return "start_timestamp must be aligned to :00 or :30 UTC"
    if end - start != HALF_HOUR:
        return "A reading must cover exactly 30 minutes"
    if value < 0:
        return "value must not be negative"
    if asset_id not in state.assets:
        return f"Unknown asset {asset_id}"
    stored = state.readings.get(reading_key(asset_id, label, start))
    if stored is not None:
        # Aligned half hours overlap only when they are the same half hour.
        return None if stored["value"] == value else "Reading overlaps an existing reading with a different value"
    return faults.take_reading_refusal()


def _store(app: StandIn, asset_id: str, start: datetime, end: datetime, value: float, label: str) -> None:
    key = reading_key(asset_id, label, start)
    if key in app.state.readings:
        return  # the same reading again: already stored and credited
    app.state.readings[key] = {
        "asset_id": asset_id,
        "label": label,
        "start_timestamp": iso(start),
        "end_timestamp": iso(end),
        "value": value,
        "received_at": iso(datetime.now(UTC)),
    }
    if label == rewards.CREDIT_LABEL:
        asset = app.state.assets[asset_id]
        pence = app.config.credit_pence_per_kwh
        rewards.credit_reading(app.state, asset, start=start, end=end, kwh=value, pence_per_kwh=pence)


# --- Rewards --------------------------------------------------------------------------------------


def rewards_info(app: StandIn, request: Request) -> Response:
    site_id = path_uuid(request.params["site_id"], "site_id")
    with app.state.lock:
        app.state.site(site_id)
        balance = rewards.balance(app.state, site_id)
        minimum = app.config.min_withdrawal_pence
        return Response(
            200,
            {
                "current_balance_pence": balance,
                "total_earnings_pence": rewards.total_earnings(app.state, site_id),
                "minimum_withdrawal_threshold_pence": minimum,
                "withdrawal_min_wait_days": 0,
                "can_withdraw": balance >= minimum,
            },
        )


def rewards_transactions(app: StandIn, request: Request) -> Response:
    site_id = path_uuid(request.params["site_id"], "site_id")
    with app.state.lock:
        app.state.site(site_id)
        transactions = [
            {key: value for key, value in item.items() if key != "asset_id"}
            for item in reversed(app.state.ledger.get(site_id, []))  # newest first
        ]
        below = rewards.balance(app.state, site_id) < app.config.min_withdrawal_pence
        return Response(
            200,
            {
                "site_id": site_id,
                "transactions": transactions,
                "is_below_withdrawal_minimum": below,
                "days_until_minimum_wait_time_met": 0,
            },
        )


def withdrawal_url(app: StandIn, request: Request) -> Response:
    """A one-time link to the stand-in's fake withdrawal page (`GET /_standin/withdraw/{token}`)."""
    site_id = path_uuid(request.params["site_id"], "site_id")
    redirect_uri = request.query_value("redirect_uri")
    if redirect_uri is None:
        raise ApiError(422, [{"type": "missing", "loc": ["query", "redirect_uri"], "msg": "Field required"}])
    with app.state.lock:
        app.state.site(site_id)
        token = secrets.token_urlsafe(24)
        expires = datetime.now(UTC) + WITHDRAWAL_LINK_LIFETIME
        app.state.withdrawal_links[token] = {
            "site_id": site_id,
            "redirect_uri": redirect_uri,
            "expires_at": expires.timestamp(),
        }
    url = f"{app.public_url}/_standin/withdraw/{quote(token)}"
    return Response(200, {"balance_withdrawal_url": url, "url_expiry_timestamp": iso(expires)})
