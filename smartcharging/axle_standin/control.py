"""`/_standin/...`: the stand-in's own control endpoints, for demos, debugging and tests.

No token: they exist only on a developer's machine. Bodies are JSON and optional where every field
has a default. Never faulted, so a fault switch can always be cleared.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from . import rewards
from .pusher import SHAPES, Shape
from .state import PushRecord, iso, parse_iso
from .validation import Obj
from .web import ApiError, Request, Response

if TYPE_CHECKING:
    from .app import StandIn

P = "/_standin"


def register(app: StandIn) -> None:
    routes = {
        ("GET", "/state"): lambda r: Response(200, app.state.dump() | _runtime(app)),
        ("POST", "/reset"): lambda r: reset(app),
        ("GET", "/faults"): lambda r: Response(200, app.faults.describe()),
        ("POST", "/faults/error"): lambda r: fault_error(app, r),
        ("POST", "/faults/timeout"): lambda r: fault_timeout(app, r),
        ("POST", "/faults/readings"): lambda r: fault_readings(app, r),
        ("POST", "/faults/revoke-tokens"): lambda r: revoke_tokens(app),
        ("POST", "/faults/clear"): lambda r: clear_faults(app),
        ("POST", "/market-change"): lambda r: market_change(app, r),
        ("POST", "/push/duplicate"): lambda r: push_duplicate(app, r),
        ("POST", "/push/late"): lambda r: push_late(app, r),
        ("POST", "/config"): lambda r: configure(app, r),
        ("POST", "/clock"): lambda r: set_clock(app, r),
        ("POST", "/rewards/{site_id}/credit"): lambda r: credit(app, r),
        ("GET", "/withdraw/{token}"): lambda r: withdraw_page(app, r),
    }
    for (method, path), handler in routes.items():
        app.router.add(method, P + path, handler, auth=False)


def _runtime(app: StandIn) -> dict[str, Any]:
    return {
        "faults": app.faults.describe(),
        "config": {"push": app.config.push.public() | {"shape": app.push_shape}, "public_url": app.public_url},
        "clock": {"now": iso(app.now()), "frozen": app.frozen_now is not None},
    }


def _body(request: Request) -> Obj:
    return Obj.body(request.json(empty={}))


def reset(app: StandIn) -> Response:
    app.pusher.wait_idle(timeout=5)
    app.state.reset()
    app.faults.clear()
    return Response(200, {"reset": True})


# --- Fault switches -------------------------------------------------------------------------------


def fault_error(app: StandIn, request: Request) -> Response:
    """`{"status": 503, "count": 3}` or `{"status": 500, "seconds": 10, "path_prefix": "/data"}`."""
    body = _body(request)
    status = body.number("status", required=False, ge=500, le=599) or 503
    count = body.number("count", required=False, ge=1)
    seconds = body.number("seconds", required=False, gt=0)
    prefix = body.text("path_prefix", required=False) or ""
    retry_after = body.number("retry_after", required=False, ge=0)
    body.errors.check()
    app.faults.fail_with(
        int(status),
        count=int(count) if count else None,
        seconds=seconds,
        path_prefix=prefix,
        retry_after=int(retry_after) if retry_after is not None else None,
    )
    return Response(200, app.faults.describe())


def fault_timeout(app: StandIn, request: Request) -> Response:
    """`{"count": 1, "sleep_s": 30, "path_prefix": "", "then": "drop" | "process"}`."""
    body = _body(request)
    count = body.number("count", required=False, ge=1) or 1
    sleep_s = body.number("sleep_s", required=False, gt=0) or 30.0
    prefix = body.text("path_prefix", required=False) or ""
    then = body.choice("then", ("drop", "process"), required=False) or "drop"
    body.errors.check()
    app.faults.time_out(count=int(count), sleep_s=sleep_s, path_prefix=prefix, then=cast(Any, then))
    return Response(200, app.faults.describe())


def fault_readings(app: StandIn, request: Request) -> Response:
    """`{"count": 2, "kind": "transient" | "permanent"}`: refuse the next readings that would be accepted."""
    body = _body(request)
    count = body.number("count", required=False, ge=1) or 1
    kind = body.choice("kind", ("transient", "permanent"), required=False) or "transient"
    body.errors.check()
    app.faults.refuse_readings(count=int(count), kind=cast(Any, kind))
    return Response(200, app.faults.describe())


def revoke_tokens(app: StandIn) -> Response:
    with app.state.lock:
        revoked = len(app.state.tokens)
        app.state.tokens.clear()
    return Response(200, {"revoked": revoked})


def clear_faults(app: StandIn) -> Response:
    app.faults.clear()
    return Response(200, app.faults.describe())


# --- Plans and pushes -----------------------------------------------------------------------------


def market_change(app: StandIn, request: Request) -> Response:
    """Re-plan one asset (`{"asset_id": ...}`) or every plugged-in Smart Charging asset, and push."""
    body = _body(request)
    only = body.text("asset_id", required=False)
    body.errors.check()
    with app.state.lock:
        asset_ids = [only] if only else [a for a, record in app.state.assets.items() if record["plugged_in"]]
        pushed, skipped = [], {}
        for asset_id in asset_ids:
            push = app.replan(asset_id, "market-change")
            if push is None:
                skipped[asset_id] = (app.state.asset(asset_id)["last_plan"] or {}).get("reason")
            else:
                pushed.append(push["push_id"])
    return Response(200, {"pushed": pushed, "skipped": skipped})


def _pushes(app: StandIn, asset_id: str | None) -> list[PushRecord]:
    """The pushes of `asset_id`, else of the asset pushed last; 404 when there is none."""
    pushes = app.state.pushes
    if asset_id is None and pushes:
        asset_id = pushes[-1]["asset_id"]
    mine = [push for push in pushes if push["asset_id"] == asset_id and not push["trigger"].startswith("fault:")]
    if not mine:
        raise ApiError(404, "No schedule has been pushed for that asset yet")
    return mine


def push_duplicate(app: StandIn, request: Request) -> Response:
    """Push the last schedule again, byte for byte (same envelope id, if any): Axle retrying a delivery."""
    body = _body(request)
    asset_id = body.text("asset_id", required=False)
    body.errors.check()
    with app.state.lock:
        last = _pushes(app, asset_id)[-1]
        shape = cast(Shape, last["shape"])
        push = app.push(last["asset_id"], last["profile"], trigger="fault:duplicate", shape=shape, body=last["body"])
    return Response(200, {"push_id": push["push_id"], "duplicate_of": last["push_id"]})


def push_late(app: StandIn, request: Request) -> Response:
    """Push the schedule before the last one, in an envelope dated `age_s` before the last: a late delivery.

    Only the envelope carries a creation time, so this push is always an envelope, whatever the shape.
    """
    body = _body(request)
    asset_id = body.text("asset_id", required=False)
    age_s = body.number("age_s", required=False, gt=0) or 300.0
    body.errors.check()
    with app.state.lock:
        mine = _pushes(app, asset_id)
        newest, older = mine[-1], mine[-2] if len(mine) > 1 else mine[-1]
        created_at = parse_iso(newest["created_at"]) - timedelta(seconds=age_s)
        push = app.push(
            older["asset_id"], older["profile"], trigger="fault:late", shape="envelope", created_at=created_at
        )
    return Response(200, {"push_id": push["push_id"], "copy_of": older["push_id"], "created_at": push["created_at"]})


def configure(app: StandIn, request: Request) -> Response:
    """`{"push_shape": "profile" | "wrapper" | "envelope"}`: the shape of the next pushes."""
    body = _body(request)
    shape = body.choice("push_shape", SHAPES, required=False)
    body.errors.check()
    if shape:
        app.push_shape = cast(Shape, shape)
    return Response(200, _runtime(app)["config"])


def set_clock(app: StandIn, request: Request) -> Response:
    """`{"now": "2026-04-14T22:00:00Z"}` plans as if it were then; `{"now": null}` follows the real clock."""
    body = _body(request)
    now = body.instant("now", required=False)
    body.errors.check()
    app.frozen_now = now
    return Response(200, _runtime(app)["clock"])


# --- Rewards --------------------------------------------------------------------------------------


def credit(app: StandIn, request: Request) -> Response:
    """`{"pence": 250, "flex_kwh": 1.5}`: credit a site by hand (a flex event, for a demo)."""
    body = _body(request)
    pence = body.number("pence", gt=0)
    flex_kwh = body.number("flex_kwh", required=False)
    body.errors.check()
    site_id = request.params["site_id"]
    with app.state.lock:
        app.state.site(site_id)
        transaction = rewards.manual_credit(app.state, site_id, pence=int(pence or 0), flex_kwh=flex_kwh, at=app.now())
    return Response(200, transaction)


def withdraw_page(app: StandIn, request: Request) -> Response:
    """The fake withdrawal page a `balance_withdrawal_url` leads to: pays out, then back to the platform."""
    with app.state.lock:
        link = app.state.withdrawal_links.pop(request.params["token"], None)  # one use only
        if link is None or link["expires_at"] < time.time():
            raise ApiError(404, "This withdrawal link is unknown, used or expired")
        rewards.withdraw(app.state, link["site_id"], at=datetime.now(UTC))
    return Response(303, None, headers={"Location": link["redirect_uri"]}, raw=b"")
