"""Sites and assets as onboard, initialise and the legacy call send them: read, then upserted.

An upsert is staged first and committed only once every check of the call has passed, so a refused
call (409, 422) changes nothing, as a database transaction at Axle would guarantee.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .state import AssetRecord, SiteRecord, State, iso
from .validation import Obj
from .web import ApiError

ASSET_TYPES = ("charger", "battery", "heat pump", "electric_vehicle", "hot water tank")
_MPAN = re.compile(r"^[0-9]{13}\Z")  # ASCII digits: \d would take any script's


def read_site(obj: Obj | None) -> dict[str, Any] | None:
    """The site fields sent, checked; None if any is wrong (the errors are in `obj.errors`)."""
    if obj is None:
        return None
    before = len(obj.errors.items)
    mpan = obj.text("mpan")
    if mpan is not None and not _MPAN.match(mpan):
        obj.errors.add((*obj.loc, "mpan"), "value_error", "Value error, an MPAN is 13 digits", mpan)
    fields = {
        "mpan": mpan,
        "postcode": obj.text("postcode"),
        "street_address": obj.text("street_address", required=False),
        "email": obj.text("email", required=False),
        "gave_boundary_meter_consent_at": _iso_or_none(obj.instant("gave_boundary_meter_consent_at", required=False)),
    }
    return fields if len(obj.errors.items) == before else None


def read_asset(obj: Obj) -> dict[str, Any] | None:
    before = len(obj.errors.items)
    installed = obj.day("installation_date", required=False)
    fields: dict[str, Any] = {
        "external_id": obj.text("external_id"),
        "type": obj.choice("type", ASSET_TYPES),
        "asset_model": obj.text("asset_model", required=False),
        "installation_date": installed.isoformat() if installed else None,
        "properties": {},
    }
    properties = obj.child("properties", required=False)
    if properties is not None:
        for name in ("power_kw", "capacity_kwh"):
            value = properties.number(name, required=False, gt=0)
            if value is not None:
                fields["properties"][name] = value
    return fields if len(obj.errors.items) == before else None


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


@dataclass
class Staged:
    site: SiteRecord
    site_created: bool
    site_fields: list[str]
    assets: list[tuple[AssetRecord, bool, list[str]]] = field(default_factory=list)  # (record, created, fields)

    def all_assets(self, state: State) -> list[AssetRecord]:
        """The site's assets once committed: those sent, then those it already had."""
        sent = [record for record, _, _ in self.assets]
        sent_ids = {record["asset_id"] for record in sent}
        kept = [state.assets[i] for i in self.site["asset_ids"] if i not in sent_ids and i in state.assets]
        return sent + kept

    def commit(self, state: State) -> None:
        for record, _, _ in self.assets:
            state.assets[record["asset_id"]] = record
            if record["asset_id"] not in self.site["asset_ids"]:
                self.site["asset_ids"].append(record["asset_id"])
        state.sites[self.site["site_id"]] = self.site

    def site_result(self) -> dict[str, Any]:
        return {
            "site_id": self.site["site_id"],
            "site_created": self.site_created,
            "fields_updated": self.site_fields,
            "warnings": [],
        }

    def asset_results(self) -> list[dict[str, Any]]:
        return [
            {
                "asset_id": record["asset_id"],
                "external_id": record["external_id"],
                "asset_created": created,
                "fields_updated": fields,
                "warnings": _warnings(record),
            }
            for record, created, fields in self.assets
        ]


def stage(state: State, site_in: dict[str, Any], assets_in: list[dict[str, Any]], *, created_by: str) -> Staged:
    """The site (matched by MPAN) and assets (by external id) as they will be; 409 for another site's asset."""
    now = iso(datetime.now(UTC))
    existing = state.site_by_mpan(site_in["mpan"])
    if existing is None:
        site: SiteRecord = {
            "site_id": str(uuid.uuid4()),
            "created_at": now,
            "created_by": created_by,
            "asset_ids": [],
            "propositions": {},
            **_site_fields(site_in),  # type: ignore[typeddict-item]
        }
        staged = Staged(site, True, [])
    else:
        site = _copy(existing)
        staged = Staged(site, False, _update(site, _site_fields(site_in)))
    for asset_in in assets_in:
        found = state.asset_by_external_id(asset_in["external_id"])
        if found is not None and found["site_id"] != site["site_id"]:
            raise ApiError(409, f"Asset with external_id {asset_in['external_id']!r} belongs to another site")
        if found is None:
            staged.assets.append((_new_asset(site["site_id"], asset_in, now), True, []))
        else:
            record = _copy(found)
            staged.assets.append((record, False, _update(record, asset_in)))
    return staged


def _site_fields(site_in: dict[str, Any]) -> dict[str, Any]:
    fields = dict(site_in)
    if fields.get("gave_boundary_meter_consent_at") is None:
        fields.pop("gave_boundary_meter_consent_at", None)  # an upsert without consent keeps the one given
    return {"street_address": None, "email": None, "gave_boundary_meter_consent_at": None} | fields


def _new_asset(site_id: str, asset_in: dict[str, Any], now: str) -> AssetRecord:
    return {
        "asset_id": str(uuid.uuid4()),
        "site_id": site_id,
        "external_id": asset_in["external_id"],
        "type": asset_in["type"],
        "asset_model": asset_in["asset_model"],
        "installation_date": asset_in["installation_date"],
        "properties": asset_in["properties"],
        "created_at": now,
        "tariff": None,
        "intent": None,
        "plugged_in": False,
        "plugged_in_at": None,
        "vehicle": None,
        "boost_until": None,
        "flex_lite_schedule": None,
        "last_plan": None,
    }


def _update(record: Any, fields: dict[str, Any]) -> list[str]:
    """Set the fields sent (a missing optional one keeps its value); the names of those that changed."""
    changed = []
    for name, value in fields.items():
        if value in (None, {}) and record.get(name):
            continue
        if record.get(name) != value:
            record[name] = value
            changed.append(name)
    return changed


def _copy(record: Any) -> Any:
    """A copy to stage changes on: its lists and dicts too, so the stored record stays as it was."""
    return {key: copy.deepcopy(value) for key, value in record.items()}


def _warnings(record: AssetRecord) -> list[str]:
    missing = [name for name in ("asset_model", "installation_date") if not record[name]]
    return [f"{name} is not set: full_asset_schedule_control needs it" for name in missing]
