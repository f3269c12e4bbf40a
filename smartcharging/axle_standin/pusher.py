"""Pushing schedules to the platform the way Axle does, from one background thread.

Axle's side of our contract (AXLE_API.md): an OAuth2 client-credentials token from the platform,
`POST /api/axle/v1/assets/{asset_id}/charging-profile` in one of three shapes, retries with
exponential backoff on 5xx, timeouts and connection errors, never on a 4xx (a 4xx means "never
valid"), and one token renewal on a 401. One thread delivers in order, so a newer schedule for a
charger never overtakes an older one unless a fault switch asks for exactly that.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args
from urllib.parse import quote

import requests

from .state import PushAttempt, PushRecord, State, iso

logger = logging.getLogger(__name__)

Shape = Literal["profile", "wrapper", "envelope"]
SHAPES: tuple[Shape, ...] = get_args(Shape)
EVENT_TYPE = "charging_profile.updated"
_TOKEN_MARGIN_S = 60  # renew the platform's token this long before it says it expires
_MAX_ANSWER = 2000


@dataclass(frozen=True)
class PushConfig:
    platform_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    shape: Shape = "profile"
    attempts: int = 5  # deliveries tried in all when each fails transiently
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    scope: str = "schedules:write"
    token_path: str = "/oauth/token/"  # noqa: S105 - a URL path

    @property
    def ready(self) -> bool:
        return bool(self.platform_url and self.client_id and self.client_secret)

    def public(self) -> dict[str, Any]:
        """For the state dump: no secret."""
        return {
            "platform_url": self.platform_url,
            "client_id": self.client_id,
            "shape": self.shape,
            "attempts": self.attempts,
            "backoff_base_s": self.backoff_base_s,
        }


def body_for(profile: dict[str, Any], shape: Shape, *, envelope_id: str, created_at: datetime) -> dict[str, Any]:
    """The schedule in the shape Axle uses: bare profile, SetChargingProfile wrapper, or webhook envelope."""
    if shape == "profile":
        return profile
    if shape == "wrapper":
        return {"connectorId": 1, "csChargingProfiles": profile}
    return {"id": envelope_id, "event_type": EVENT_TYPE, "created_at": iso(created_at), "payload": profile}


class _Transient(Exception):
    pass


class _Permanent(Exception):
    pass


class Pusher:
    def __init__(self, config: PushConfig, state: State) -> None:
        self.config = config
        self.state = state
        self._jobs: deque[PushRecord] = deque()
        self._busy = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._token: tuple[str, float] | None = None  # (token, time.time() to renew it at)

    # --- Queue --------------------------------------------------------------------------------------

    def submit(self, record: PushRecord) -> None:
        """Deliver `record` (already in the state) in the background, after those submitted before it."""
        with self._cond:
            self._jobs.append(record)
            self._busy += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="axle-standin-pusher", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once every submitted push has finished (delivered, refused or failed)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout=timeout)

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._session.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                self._cond.wait_for(lambda: bool(self._jobs) or self._stop.is_set())
                if self._stop.is_set():
                    return
                record = self._jobs.popleft()
            try:
                self._deliver(record)
            except Exception:  # a bug here must not stop every later push
                logger.exception("Push %s failed unexpectedly", record["push_id"])
                self._finish(record, "failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    # --- Delivery -----------------------------------------------------------------------------------

    def _deliver(self, record: PushRecord) -> None:
        config = self.config
        if not config.ready or config.platform_url is None:
            self._finish(record, "not_sent")
            return
        asset = quote(record["asset_id"], safe="")
        url = f"{config.platform_url.rstrip('/')}/api/axle/v1/assets/{asset}/charging-profile"
        body = json.dumps(record["body"], separators=(",", ":")).encode()
        failures, renewed = 0, False
        while not self._stop.is_set():
            try:
                status = self._post(record, url, body)
            except _Permanent:
                self._finish(record, "failed")
                return
            except _Transient:
                status = None
            if status is not None and 200 <= status < 300:
                self._finish(record, "delivered")
                return
            if status == 401 and not renewed:
                renewed, self._token = True, None  # the platform dropped our token: renew it once
                continue
            if status is not None and status < 500:
                self._finish(record, "refused")  # Axle never retries a 4xx
                return
            failures += 1
            if failures >= config.attempts:
                self._finish(record, "failed")
                return
            self._stop.wait(self._backoff(failures))

    def _post(self, record: PushRecord, url: str, body: bytes) -> int | None:
        token = self._bearer(record)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=self._timeouts())
        except requests.RequestException as exc:
            self._attempt(record, None, f"{type(exc).__name__}: no answer", None)
            raise _Transient from exc
        self._attempt(record, response.status_code, None, _answer(response))
        return response.status_code

    def _bearer(self, record: PushRecord) -> str:
        """The platform's token for us, fetched with our client credentials when missing or due."""
        if self._token is not None and self._token[1] > time.time():
            return self._token[0]
        config = self.config
        url = f"{(config.platform_url or '').rstrip('/')}{config.token_path}"
        form = {"grant_type": "client_credentials", "scope": config.scope}
        try:
            response = self._session.post(
                url, data=form, auth=(config.client_id or "", config.client_secret or ""), timeout=self._timeouts()
            )
        except requests.RequestException as exc:
            self._attempt(record, None, f"token: {type(exc).__name__}: no answer", None)
            raise _Transient from exc
        answer = _answer(response)
        if response.status_code != 200 or not isinstance(answer, dict) or "access_token" not in answer:
            error = f"token: the platform answered {response.status_code}"
            self._attempt(record, response.status_code, error, _without_token(answer))
            raise _Transient if response.status_code >= 500 else _Permanent
        lifetime = float(str(answer.get("expires_in") or 3600))
        self._token = (str(answer["access_token"]), time.time() + max(lifetime - _TOKEN_MARGIN_S, 1.0))
        return self._token[0]

    def _timeouts(self) -> tuple[float, float]:
        return (self.config.connect_timeout_s, self.config.read_timeout_s)

    def _backoff(self, failures: int) -> float:
        # Exponential with jitter, so a fleet of retries does not hit a recovering platform at once.
        ceiling = min(self.config.backoff_cap_s, self.config.backoff_base_s * 2.0 ** (failures - 1))
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security

    def _attempt(self, record: PushRecord, status: int | None, error: str | None, answer: object) -> None:
        attempt: PushAttempt = {"at": iso(datetime.now(UTC)), "status_code": status, "error": error, "answer": answer}
        with self.state.lock:
            record["attempts"].append(attempt)
            record["status"] = "sending"
            if status is not None and error is None:
                record["answer"] = answer

    def _finish(self, record: PushRecord, status: str) -> None:
        with self.state.lock:
            record["status"] = status
        logger.info("Push %s for asset %s: %s", record["push_id"], record["asset_id"], status)
        self.state.save()


def _answer(response: requests.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text[:_MAX_ANSWER]


def _without_token(answer: object) -> object:
    if isinstance(answer, dict):
        return {key: value for key, value in answer.items() if key not in ("access_token", "refresh_token")}
    return answer
