"""The stand-in as one object: configuration, state, fault switches, pusher, and the request pipeline.

Each request goes: fault switches (Axle's API only, never `/_standin/`), route, bearer token,
handler; errors come out in FastAPI's shapes. The socket server (server.py) only carries bytes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import auth
from .control import register as register_control
from .data import register as register_data
from .events import register as register_events
from .faults import Faults
from .planner_bridge import DEFAULT_POWER_KW, Planned, plan_for
from .pusher import PushConfig, Pusher, Shape, body_for
from .sites import register as register_sites
from .state import PushRecord, State, iso
from .validation import ValidationFailed
from .web import ApiError, Request, Response, Router

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_standin/"
_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass(frozen=True)
class StandInConfig:
    username: str = "platform@example.com"  # the platform's AXLE_USERNAME / AXLE_PASSWORD
    password: str = field(default="local-stand-in-password", repr=False)
    token_lifetime_s: int = 3600  # Axle's tokens last an hour
    credit_pence_per_kwh: float = 2.0
    min_withdrawal_pence: int = 500
    default_power_kw: float = DEFAULT_POWER_KW
    push: PushConfig = field(default_factory=PushConfig)


class StandIn:
    def __init__(self, config: StandInConfig | None = None, *, state: State | None = None) -> None:
        self.config = config or StandInConfig()
        self.state = state or State()
        self.faults = Faults()
        self.pusher = Pusher(self.config.push, self.state)
        self.push_shape: Shape = self.config.push.shape
        self.frozen_now: datetime | None = None  # set to plan "as if" at that moment (demos, tests)
        self.public_url = "http://127.0.0.1:8010"  # the server sets the address it really listens on
        self.stopping = threading.Event()
        self.router = Router()
        for register in (auth.register, register_sites, register_events, register_data, register_control):
            register(self)

    def now(self) -> datetime:
        return self.frozen_now or datetime.now(UTC)

    def close(self) -> None:
        self.stopping.set()
        self.pusher.stop()

    # --- Requests -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        response = self._answer(request)
        self.state.log_request(
            {
                "at": iso(datetime.now(UTC)),
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
        return response

    def _answer(self, request: Request) -> Response:
        if not request.path.startswith(CONTROL_PREFIX):
            faulted = self._fault(request)
            if faulted is not None:
                return faulted
        response = self._respond(request)
        if request.method != "GET" and response.status < 400:
            self.state.save()
        return response

    def _respond(self, request: Request) -> Response:
        """Route, bearer token, handler; every failure as the answer FastAPI would give."""
        try:
            route, request.params = self.router.match(request.method, request.path)
            if route.auth:
                auth.require_bearer(self, request)
            return route.handler(request)
        except ApiError as error:
            return Response(error.status, {"detail": error.detail}, headers=error.headers)
        except ValidationFailed as failed:
            return Response(422, {"detail": failed.items})
        except Exception:
            logger.exception("The stand-in failed on %s %s", request.method, request.path)
            return Response(500, {"detail": "Internal Server Error"})

    def _fault(self, request: Request) -> Response | None:
        timeout = self.faults.take_timeout(request.path)
        if timeout is not None:
            if timeout.then == "process":
                # Axle did the work; only its answer is lost (the client has given up by then).
                response = self._respond(request)
                self.state.save()
                self.stopping.wait(timeout.sleep_s)
                return response
            self.stopping.wait(timeout.sleep_s)
            return Response(504, {"detail": "Gateway Timeout"})
        rule = self.faults.take_error(request.path)
        if rule is None:
            return None
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
        return Response(rule.status, {"detail": _PHRASES.get(rule.status, "Server Error")}, headers=headers)

    # --- Plans and pushes ---------------------------------------------------------------------------

    def replan(self, asset_id: str, trigger: str) -> PushRecord | None:
        """Plan the asset now and push the plan (in the background); None when there is no plan.

        Only a plugged-in asset of a site enrolled in Smart Charging is planned; the reason for no
        plan is kept on the asset (`last_plan`) for whoever looks at the state.
        """
        with self.state.lock:
            asset = self.state.asset(asset_id)
            now = self.now()
            if not self.state.enrolled(asset["site_id"], "full_asset_schedule_control"):
                planned: Planned | str = "The site is not enrolled in full_asset_schedule_control."
            elif not asset["plugged_in"]:
                planned = "No car is plugged in."
            else:
                planned = plan_for(asset, now=now, default_power_kw=self.config.default_power_kw)
            if isinstance(planned, str):
                asset["last_plan"] = {"trigger": trigger, "at": iso(now), "plan": None, "reason": planned}
                return None
            reasons = list(planned.plan.reasons)
            asset["last_plan"] = {"trigger": trigger, "at": iso(now), "plan": planned.profile, "reasons": reasons}
            return self.push(asset_id, planned.profile, trigger=trigger, reasons=reasons)

    def push(
        self,
        asset_id: str,
        profile: dict[str, Any],
        *,
        trigger: str,
        reasons: list[str] | None = None,
        shape: Shape | None = None,
        created_at: datetime | None = None,
        body: dict[str, Any] | None = None,
    ) -> PushRecord:
        """Record a push of `profile` and hand it to the pusher; `body` resends an exact earlier body."""
        with self.state.lock:
            shape = shape or self.push_shape
            created = created_at or datetime.now(UTC)
            envelope_id = str(uuid.uuid4())
            if body is None:
                body = body_for(profile, shape, envelope_id=envelope_id, created_at=created)
            is_envelope = shape == "envelope"
            record: PushRecord = {
                "push_id": self.state.next_push_id,
                "asset_id": asset_id,
                "trigger": trigger,
                "created_at": iso(created),
                "shape": shape,
                "envelope_id": str(body.get("id")) if is_envelope else None,
                "envelope_created_at": str(body.get("created_at")) if is_envelope else None,
                "profile": profile,
                "body": body,
                "status": "queued" if self.config.push.ready else "not_sent",
                "attempts": [],
                "answer": None,
                "reasons": reasons or [],
            }
            self.state.next_push_id += 1
            self.state.add_push(record)
        if self.config.push.ready:
            self.pusher.submit(record)
        return record
