"""Everything the stand-in knows, in memory behind one lock, optionally kept in a JSON file.

Records are plain JSON values (TypedDicts, timestamps as ISO text), so the state is dumped for
`GET /_standin/state` and written to the state file without any conversion layer.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from .web import ApiError

_KEEP_EVENTS = 1000  # recent history is what a demo or a debugging session looks at
_KEEP_REQUESTS = 200


def iso(moment: datetime) -> str:
    """UTC with a "Z", as Axle's FastAPI (pydantic v2) writes timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SiteRecord(TypedDict):
    site_id: str
    mpan: str
    postcode: str
    street_address: str | None
    email: str | None
    gave_boundary_meter_consent_at: str | None
    created_at: str
    created_by: str  # "onboard", "initialise" or "legacy"
    asset_ids: list[str]
    propositions: dict[str, str]  # proposition -> "enrolled" | "withdrawn"


class AssetRecord(TypedDict):
    asset_id: str
    site_id: str
    external_id: str
    type: str
    asset_model: str | None
    installation_date: str | None
    properties: dict[str, Any]
    created_at: str
    # What the asset's events told us (Smart Charging and Flex Lite).
    tariff: dict[str, Any] | None
    intent: dict[str, Any] | None
    plugged_in: bool
    plugged_in_at: str | None
    vehicle: dict[str, Any] | None
    boost_until: str | None
    flex_lite_schedule: list[dict[str, str]] | None
    last_plan: dict[str, Any] | None


class ReadingRecord(TypedDict):
    asset_id: str
    label: str
    start_timestamp: str
    end_timestamp: str
    value: float
    received_at: str


class TransactionRecord(TypedDict):
    transaction_id: str
    transaction_type: str
    start_time: str | None
    end_time: str | None
    settlement_date: str | None
    flex_kwh: float | None
    credit_pence: int
    payment_status: str | None
    asset_id: str | None


class PushAttempt(TypedDict):
    at: str
    status_code: int | None
    error: str | None
    answer: object


class PushRecord(TypedDict):
    push_id: int
    asset_id: str
    trigger: str
    created_at: str
    shape: str
    envelope_id: str | None
    envelope_created_at: str | None
    profile: dict[str, Any]
    body: dict[str, Any]
    status: str  # queued, sending, delivered, refused, failed, not_sent
    attempts: list[PushAttempt]
    answer: object  # the platform's last answer body
    reasons: list[str]  # the planner's explanation


class WithdrawalLink(TypedDict):
    site_id: str
    redirect_uri: str
    expires_at: float


# Persisted collections and their empty values; `requests` (the request log) is not persisted.
_EMPTY: dict[str, Any] = {
    "sites": {},
    "assets": {},
    "readings": {},
    "ledger": {},
    "events": [],
    "callbacks": [],
    "pushes": [],
    "tokens": {},
    "withdrawal_links": {},
    "next_push_id": 1,
}


class State:
    """The stand-in's data. Take `lock` around every read-modify-write; it is re-entrant."""

    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self._save_lock = threading.Lock()  # snapshot and write together: the newest snapshot lands last
        self.path = path
        self._clear()
        if path is not None and path.exists():
            self._load(path)

    def _clear(self) -> None:
        fresh = json.loads(json.dumps(_EMPTY))
        self.sites: dict[str, SiteRecord] = fresh["sites"]
        self.assets: dict[str, AssetRecord] = fresh["assets"]
        self.readings: dict[str, ReadingRecord] = fresh["readings"]  # by reading_key()
        self.ledger: dict[str, list[TransactionRecord]] = fresh["ledger"]  # by site id
        self.events: list[dict[str, Any]] = fresh["events"]
        self.callbacks: list[dict[str, Any]] = fresh["callbacks"]
        self.pushes: list[PushRecord] = fresh["pushes"]
        self.tokens: dict[str, float] = fresh["tokens"]  # bearer token -> expiry (unix time)
        self.withdrawal_links: dict[str, WithdrawalLink] = fresh["withdrawal_links"]
        self.next_push_id: int = fresh["next_push_id"]
        self.requests: deque[dict[str, Any]] = deque(maxlen=_KEEP_REQUESTS)

    def reset(self) -> None:
        with self.lock:
            self._clear()
            self.save()

    # --- Persistence ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            copied: dict[str, Any] = json.loads(json.dumps({key: getattr(self, key) for key in _EMPTY}))
            return copied

    def dump(self) -> dict[str, Any]:
        """For `GET /_standin/state`: everything, except bearer tokens and withdrawal links (counted)."""
        data = self.to_json()
        data["tokens"] = {"issued": len(self.tokens)}
        data["withdrawal_links"] = {"issued": len(self.withdrawal_links)}
        with self.lock:
            data["requests"] = list(self.requests)
        return data

    def save(self) -> None:
        """Write the state file, if there is one, atomically: a crash never leaves half a file."""
        if self.path is None:
            return
        with self._save_lock:
            data = self.to_json()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".axle-standin-", suffix=".json")
            with os.fdopen(handle, "w") as file:
                json.dump(data, file, indent=1)
            os.replace(temporary, self.path)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text() or "{}")
        for key, empty in _EMPTY.items():
            setattr(self, key, data.get(key, json.loads(json.dumps(empty))))

    # --- Look-ups -----------------------------------------------------------------------------------

    def site(self, site_id: str) -> SiteRecord:
        found = self.sites.get(site_id)
        if found is None:
            raise ApiError(404, f"Site {site_id} not found")
        return found

    def asset(self, asset_id: str) -> AssetRecord:
        found = self.assets.get(asset_id)
        if found is None:
            raise ApiError(404, f"Asset {asset_id} not found")
        return found

    def site_by_mpan(self, mpan: str) -> SiteRecord | None:
        return next((site for site in self.sites.values() if site["mpan"] == mpan), None)

    def asset_by_external_id(self, external_id: str) -> AssetRecord | None:
        return next((asset for asset in self.assets.values() if asset["external_id"] == external_id), None)

    def enrolled(self, site_id: str, proposition: str) -> bool:
        site = self.sites.get(site_id)
        return site is not None and site["propositions"].get(proposition) == "enrolled"

    # --- History ------------------------------------------------------------------------------------

    def log_event(self, record: dict[str, Any]) -> None:
        self.events.append(record)
        del self.events[:-_KEEP_EVENTS]

    def add_push(self, record: PushRecord) -> None:
        self.pushes.append(record)
        del self.pushes[:-_KEEP_EVENTS]

    def push(self, push_id: int) -> PushRecord | None:
        return next((push for push in reversed(self.pushes) if push["push_id"] == push_id), None)

    def log_request(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(record)


def reading_key(asset_id: str, label: str, start: datetime) -> str:
    return f"{asset_id}|{label}|{iso(start)}"
