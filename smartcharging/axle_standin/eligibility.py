"""Which propositions a site and its assets can join, with Axle's issue codes.

Rules (the stand-in's reading of Axle's eligibility): every proposition needs the homeowner's
boundary-meter consent and chargers only; Smart Charging (`full_asset_schedule_control`) also needs
each charger's model and installation date, which Axle uses to know how the charger can be controlled.
"""

from __future__ import annotations

from typing import Any

from .state import AssetRecord, SiteRecord

PROPOSITIONS = ("limited_pause", "full_asset_schedule_control")
SMART_CHARGING = "full_asset_schedule_control"
FLEX_LITE = "limited_pause"


def asset_issues(asset: AssetRecord, proposition: str) -> list[str]:
    issues = []
    if asset["type"] != "charger":
        issues.append("asset_type_not_supported")
    if proposition == SMART_CHARGING:
        if not asset["asset_model"]:
            issues.append("asset_model_not_set")
        if not asset["installation_date"]:
            issues.append("asset_installation_date_not_set")
    return issues


def site_issues(site: SiteRecord, assets: list[AssetRecord]) -> list[str]:
    issues = []
    if not site["gave_boundary_meter_consent_at"]:
        issues.append("site_meter_consent_not_given")
    if not assets:
        issues.append("site_has_no_assets")
    return issues


def proposition_issues(site: SiteRecord, assets: list[AssetRecord], proposition: str) -> list[str]:
    """Why the site cannot join `proposition` ("external_id: code" for an asset's); empty if it can."""
    issues = site_issues(site, assets)
    for asset in assets:
        issues += [f"{asset['external_id']}: {code}" for code in asset_issues(asset, proposition)]
    return issues


def eligibility(site: SiteRecord, assets: list[AssetRecord]) -> dict[str, Any]:
    """`GET /entities/site/{site_id}/eligibility`'s answer."""
    return {
        "site_id": site["site_id"],
        "eligible_propositions": [p for p in PROPOSITIONS if not proposition_issues(site, assets, p)],
        "site_properties": {
            "is_half_hourly_settled": False,
            "has_meter_consent": bool(site["gave_boundary_meter_consent_at"]),
        },
        "assets": [
            {
                "asset_id": asset["asset_id"],
                "external_id": asset["external_id"],
                "propositions": [
                    {"proposition": p, "is_eligible": not asset_issues(asset, p), "issues": asset_issues(asset, p)}
                    for p in PROPOSITIONS
                ],
            }
            for asset in assets
        ],
    }
