"""Asset events: Smart Charging's tariff, intent, plug-in/out and boost; Flex Lite's plug-in schedule;
and acknowledgements of pushed schedules.

A plug-in, and a changed tariff or intent while the car is plugged in, re-plan the asset and push
the plan to the platform in the background: the event is answered at once, as Axle does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError as DjangoValidationError

from smartcharging import offpeak

from .eligibility import FLEX_LITE
from .flexlite import with_one_pause
from .state import AssetRecord, iso
from .validation import Obj, path_uuid
from .web import ApiError, Request, Response

if TYPE_CHECKING:
    from .app import StandIn

TARIFF_TYPES = ("single_rate", "dual_rate", "dynamic", "smart", "unknown")
CHARGING_MODES = ("maximise_charging_time", "minimise_charging_time")
EVENT_STATUSES = ("RECEIVED", "ACCEPTED", "REJECTED", "FAILED", "EXECUTED")


def register(app: StandIn) -> None:
    base = "/entities/asset/{asset_id}"
    add = app.router.add
    add("POST", f"{base}/event/tariff-update", lambda r: tariff_update(app, r))
    add("POST", f"{base}/event/intent", lambda r: intent(app, r))
    add("POST", f"{base}/event/plug-in", lambda r: plug_in(app, r))
    add("POST", f"{base}/event/plug-out", lambda r: plug_out(app, r))
    add("POST", f"{base}/event/charge-now", lambda r: charge_now(app, r))
    add("POST", f"{base}/event/charge-now-deleted", lambda r: charge_now_deleted(app, r))
    add("POST", f"{base}/event/plug-in-schedule", lambda r: plug_in_schedule(app, r))
    add("POST", f"{base}/callback/{{event_id}}", lambda r: callback(app, r))


# --- Reading the parts ----------------------------------------------------------------------------


def read_tariff(obj: Obj | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    before = len(obj.errors.items)
    off_peak_times, timezone = obj.text("off_peak_times"), obj.text("timezone")
    tariff_type = obj.choice("tariff_type", TARIFF_TYPES, required=False)
    if off_peak_times is not None:
        try:
            offpeak.parse_windows(off_peak_times)
        except DjangoValidationError as error:
            obj.errors.add((*obj.loc, "off_peak_times"), "value_error", f"Value error, {error.messages[0]}")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            obj.errors.add((*obj.loc, "timezone"), "value_error", "Value error, unknown timezone", timezone)
    if len(obj.errors.items) > before:
        return None
    return {"off_peak_times": off_peak_times, "timezone": timezone, "tariff_type": tariff_type or "unknown"}


def read_intent(obj: Obj | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    before = len(obj.errors.items)
    ready_by = obj.instant("ready_by")  # deprecated by Axle, still required by its schema
    local = obj.clock("ready_by_local_time", required=False)
    intent = {
        "energy_required_kwh": obj.number("energy_required_kwh", ge=0),
        "ready_by": iso(ready_by) if ready_by else None,
        "ready_by_local_time": local.isoformat(timespec="minutes") if local else None,
        "energy_estimated": obj.flag("energy_estimated", default=False),
        "may_charge_peak": obj.flag("may_charge_peak", default=False),
        "charging_mode": obj.choice("charging_mode", CHARGING_MODES, required=False) or CHARGING_MODES[0],
    }
    return intent if len(obj.errors.items) == before else None


def _asset(app: StandIn, request: Request) -> AssetRecord:
    return app.state.asset(path_uuid(request.params["asset_id"], "asset_id"))


def _record(app: StandIn, asset: AssetRecord, event_type: str, body: object) -> Response:
    received_at = iso(datetime.now(UTC))
    event = {"event_id": str(uuid.uuid4()), "asset_id": asset["asset_id"], "event_type": event_type}
    app.state.log_event(event | {"body": body, "received_at": received_at})
    return Response(200, event | {"received_at": received_at})


# --- Smart Charging -------------------------------------------------------------------------------


def tariff_update(app: StandIn, request: Request) -> Response:
    raw = request.json()
    body = Obj.body(raw)
    tariff = read_tariff(body.child("tariff"))
    body.errors.check()
    return _store_and_replan(app, request, raw, key="tariff", value=tariff, kind="tariff-update")


def intent(app: StandIn, request: Request) -> Response:
    raw = request.json()
    body = Obj.body(raw)
    new = read_intent(body.child("intent"))
    body.errors.check()
    return _store_and_replan(app, request, raw, key="intent", value=new, kind="intent")


def _store_and_replan(
    app: StandIn, request: Request, raw: Any, *, key: Literal["tariff", "intent"], value: Any, kind: str
) -> Response:
    """Keep the asset's new tariff or intent; a change while a car is plugged in makes Axle plan again."""
    with app.state.lock:
        asset = _asset(app, request)
        changed, asset[key] = asset[key] != value, value
        response = _record(app, asset, kind, raw)
        if changed and asset["plugged_in"]:
            app.replan(asset["asset_id"], kind)
        return response


def plug_in(app: StandIn, request: Request) -> Response:
    raw = request.json(empty={})
    body = Obj.body(raw)
    new_intent = read_intent(body.child("intent", required=False))
    new_tariff = read_tariff(body.child("tariff", required=False))
    vehicle = body.child("vehicle", required=False)
    rate = vehicle.number("charging_rate_kw", gt=0) if vehicle else None
    body.errors.check()
    with app.state.lock:
        asset = _asset(app, request)
        asset["intent"] = new_intent or asset["intent"]
        asset["tariff"] = new_tariff or asset["tariff"]
        asset["vehicle"] = {"charging_rate_kw": rate} if rate else None
        asset["plugged_in"], asset["plugged_in_at"] = True, iso(app.now())
        response = _record(app, asset, "plug-in", raw)
        app.replan(asset["asset_id"], "plug-in")
        return response


def plug_out(app: StandIn, request: Request) -> Response:
    raw = request.json(empty={})
    Obj.body(raw)
    with app.state.lock:
        asset = _asset(app, request)
        asset["plugged_in"], asset["plugged_in_at"], asset["vehicle"] = False, None, None
        return _record(app, asset, "plug-out", raw)


def charge_now(app: StandIn, request: Request) -> Response:
    """The user's boost: Axle re-plans, full power until `end_at`, then the night's plan."""
    raw = request.json()
    body = Obj.body(raw)
    end_at = body.instant("end_at")
    body.errors.check()
    with app.state.lock:
        asset = _asset(app, request)
        asset["boost_until"] = iso(end_at) if end_at else None
        response = _record(app, asset, "charge-now", raw)
        if asset["plugged_in"]:
            app.replan(asset["asset_id"], "charge-now")
        return response


def charge_now_deleted(app: StandIn, request: Request) -> Response:
    raw = request.json(empty={})
    Obj.body(raw)
    with app.state.lock:
        asset = _asset(app, request)
        was_boosting, asset["boost_until"] = asset["boost_until"] is not None, None
        response = _record(app, asset, "charge-now-deleted", raw)
        if was_boosting and asset["plugged_in"]:
            app.replan(asset["asset_id"], "charge-now-deleted")
        return response


# --- Flex Lite and acknowledgements ----------------------------------------------------------------


def plug_in_schedule(app: StandIn, request: Request) -> Response:
    raw = request.json()
    body = Obj.body(raw)
    blocks = []
    for item in body.children("charging_schedule"):
        start, end = item.instant("start_timestamp"), item.instant("end_timestamp")
        if start and end and end <= start:
            body.errors.add((*item.loc, "end_timestamp"), "value_error", "Value error, must be after start_timestamp")
        elif start and end:
            blocks.append((start, end))
    body.errors.check()
    with app.state.lock:
        asset = _asset(app, request)
        if not app.state.enrolled(asset["site_id"], FLEX_LITE):
            raise ApiError(403, "The site has not consented to limited_pause")
        modified = [{"start_timestamp": iso(a), "end_timestamp": iso(b)} for a, b in with_one_pause(blocks)]
        asset["flex_lite_schedule"] = modified
        _record(app, asset, "plug-in-schedule", raw)
        return Response(200, {"modified_charging_schedule": modified})


def callback(app: StandIn, request: Request) -> Response:
    """What the charger did with a pushed schedule. An unknown event id is recorded (`known: false`),
    not refused: after a stand-in reset the platform may still acknowledge earlier pushes."""
    event_id = path_uuid(request.params["event_id"], "event_id")
    body = Obj.body(request.json())
    timestamp = body.instant("timestamp")
    status = body.choice("status", EVENT_STATUSES)
    body.errors.check()
    with app.state.lock:
        asset = _asset(app, request)
        known = any(push["envelope_id"] == event_id for push in app.state.pushes)
        app.state.callbacks.append(
            {
                "asset_id": asset["asset_id"],
                "event_id": event_id,
                "status": status,
                "timestamp": iso(timestamp) if timestamp else None,
                "received_at": iso(datetime.now(UTC)),
                "known": known,
            }
        )
    return Response(200, {"event_id": event_id, "status": status})
