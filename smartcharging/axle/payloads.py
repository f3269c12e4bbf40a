"""Axle's request bodies, built from our domain rows at the moment of the change.

The outbox stores these (JSON-encoded) so that what Axle receives is what was true when the
homeowner or charger acted, however late the delivery.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from chargers.models import Asset, Site
from smartcharging.models import ChargingIntent, Tariff
from smartcharging.selectors import intent_effective

from .session import encode_json
from .types import AssetPayload, IntentPayload, SitePayload, TariffPayload


def tariff_payload(tariff: Tariff) -> TariffPayload:
    """`{"off_peak_times": "00:00-05:30, 23:30-24:00", "timezone": ..., "tariff_type": ...}`."""
    return {
        "off_peak_times": tariff.axle_off_peak_times,
        "timezone": tariff.site.timezone,
        "tariff_type": cast(Any, tariff.tariff_type),
    }


def intent_payload(intent: ChargingIntent, *, now: datetime) -> IntentPayload:
    """The intent for the next charge: a one-off if one is set, else the routine for that morning."""
    effective = intent_effective(intent, now=now, zone=intent.asset.site.zone)
    return {
        "energy_required_kwh": float(effective.energy_required_kwh),
        # Deprecated by Axle but still required by its schema: the instant of the next ready-by.
        "ready_by": effective.ready_by,
        "ready_by_local_time": effective.ready_by_local_time,
        "energy_estimated": intent.energy_estimated,
        "may_charge_peak": intent.may_charge_peak,
        "charging_mode": cast(Any, intent.charging_mode),
    }


def plug_in_payload(
    *, intent: ChargingIntent | None, tariff: Tariff | None, vehicle_charging_rate_kw: Decimal | None, now: datetime
) -> dict[str, Any]:
    """A plug-in with what Axle needs to plan: the intent, the tariff and the car's rate (each if known)."""
    payload: dict[str, Any] = {}
    if intent is not None:
        payload["intent"] = to_json(intent_payload(intent, now=now))
    if tariff is not None:
        payload["tariff"] = to_json(tariff_payload(tariff))
    if vehicle_charging_rate_kw is not None:
        payload["vehicle"] = {"charging_rate_kw": float(vehicle_charging_rate_kw)}
    return payload


def site_payload(site: Site, *, email: str | None) -> SitePayload:
    payload: SitePayload = {
        "mpan": site.mpan,
        "postcode": site.postcode,
        "street_address": site.street_address,
    }
    if email:
        payload["email"] = email
    if site.meter_consent_at:
        payload["gave_boundary_meter_consent_at"] = site.meter_consent_at
    return payload


def asset_payload(asset: Asset) -> AssetPayload:
    payload: AssetPayload = {
        "external_id": asset.external_id,
        "type": "charger",
        "properties": {"power_kw": float(asset.rated_power_kw)},
    }
    if asset.asset_model:
        payload["asset_model"] = asset.asset_model
    if asset.installation_date:
        payload["installation_date"] = asset.installation_date
    return payload


def to_json(payload: object) -> dict[str, Any]:
    """A payload as the JSON object stored in the outbox (datetimes with their offset, as Axle wants)."""
    return cast(dict[str, Any], json.loads(encode_json(payload)))
