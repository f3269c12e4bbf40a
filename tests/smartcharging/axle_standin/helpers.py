"""Payloads the platform sends, built with its own TypedDicts, for driving the stand-in through the real client."""

from datetime import UTC, date, datetime, time

import requests

from smartcharging.axle import client
from smartcharging.axle.types import AssetPayload, IntentPayload, SitePayload, TariffPayload

USERNAME = "platform@example.com"
PASSWORD = "stand-in-test-password"
CONSENT_AT = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
# Axle's documented example: plug-in 22:00, off-peak 23:30-05:30, ready by 07:00, 30 kWh (UTC, no clock change).
PLUGGED_IN_AT = datetime(2026, 4, 14, 22, 0, tzinfo=UTC)
TARIFF: TariffPayload = {"off_peak_times": "00:00-05:30, 23:30-24:00", "timezone": "UTC", "tariff_type": "dual_rate"}
INTENT: IntentPayload = {
    "energy_required_kwh": 30,
    "ready_by": datetime(2026, 4, 15, 7, 0, tzinfo=UTC),
    "ready_by_local_time": time(7, 0),
    "energy_estimated": False,
    "may_charge_peak": False,
    "charging_mode": "maximise_charging_time",
}


def site(mpan: str = "1234567890123", *, consent: bool = True) -> SitePayload:
    payload: SitePayload = {"mpan": mpan, "postcode": "SW1A 1AA", "street_address": "10 Downing Street"}
    if consent:
        payload["gave_boundary_meter_consent_at"] = CONSENT_AT
    return payload


def charger(external_id: str = "charger-001", *, complete: bool = True) -> AssetPayload:
    payload: AssetPayload = {"external_id": external_id, "type": "charger", "properties": {"power_kw": 7.4}}
    if complete:
        payload["asset_model"] = "zappi"
        payload["installation_date"] = date(2024, 5, 1)
    return payload


def onboard_smart(mpan: str = "1234567890123", external_id: str = "charger-001") -> tuple[str, str]:
    """A site enrolled in Smart Charging with one charger: (site_id, asset_id) at the stand-in."""
    answer = client.onboard(site=site(mpan), assets=[charger(external_id)], proposition="full_asset_schedule_control")
    return str(answer.site.site_id), str(answer.assets[0].asset_id)


def control(base_url: str, path: str, body: object | None = None, *, method: str = "POST") -> requests.Response:
    """Call one of the stand-in's `/_standin/` control endpoints, as a developer's curl would."""
    return requests.request(method, f"{base_url}/_standin/{path}", json=body, timeout=5, allow_redirects=False)


def point_platform_at(app, settings) -> None:
    settings.AXLE_BASE_URL = app.public_url
    settings.AXLE_USERNAME = USERNAME
    settings.AXLE_PASSWORD = PASSWORD
    # Short, so timeout faults cost a test well under a second.
    settings.AXLE_CONNECT_TIMEOUT_S = 1.0
    settings.AXLE_READ_TIMEOUT_S = 0.5
    settings.AXLE_TOKEN_LIFETIME_S = 3600
    settings.AXLE_TOKEN_RENEW_MARGIN_S = 300
