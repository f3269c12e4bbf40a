"""From what an asset's events told the stand-in to the platform's planner, and back as Axle's JSON.

The planning itself is `smartcharging.planner` (shared with the platform's safety net); this module
only gathers its inputs, by these rules:
- off-peak windows and timezone: the last tariff's `off_peak_times` and `timezone` (no tariff: no
  windows, Europe/London, i.e. single rate);
- start: now (the plug-in, or the moment of the re-plan), to the whole second;
- ready-by: the next `ready_by_local_time` in that timezone after the plug-in, or after now if that
  one has passed; without a local time, the deprecated `ready_by` instant;
- energy, mode, may_charge_peak: the last intent (no intent: no plan);
- power: the plug-in's `vehicle.charging_rate_kw`, else the asset's `properties.power_kw`, else 7.4 kW;
- a boost (charge-now until `end_at`): full power until then, the plan for the rest after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from smartcharging import offpeak
from smartcharging.axle.types import ChargingMode
from smartcharging.localtime import next_occurrence
from smartcharging.planner import (
    MAXIMISE,
    Plan,
    PlanRequest,
    plan_charging,
    plan_with_boost,
    profile_to_axle_json,
)

from .state import AssetRecord, parse_iso

DEFAULT_ZONE = "Europe/London"  # Axle works with UK homes
DEFAULT_POWER_KW = 7.4


@dataclass(frozen=True)
class Planned:
    plan: Plan
    request: PlanRequest
    profile: dict[str, Any]  # exactly as Axle pushes it


def tariff_windows(tariff: dict[str, Any] | None) -> tuple[list[offpeak.Window], ZoneInfo]:
    """Axle's `off_peak_times` ("00:00-05:30, 23:30-24:00") back into windows, with the tariff's zone."""
    if tariff is None:
        return [], ZoneInfo(DEFAULT_ZONE)
    return offpeak.parse_windows(tariff["off_peak_times"]), ZoneInfo(tariff["timezone"])


def plan_for(asset: AssetRecord, *, now: datetime, default_power_kw: float = DEFAULT_POWER_KW) -> Planned | str:
    """The plan Axle would push for `asset` now, or why there is none."""
    intent = asset["intent"]
    if intent is None:
        return "No intent yet: nothing says how much energy the car needs."
    windows, zone = tariff_windows(asset["tariff"])
    start = now.replace(microsecond=0)
    ready_by = _ready_by(intent, zone, asset["plugged_in_at"], start)
    if ready_by is None:
        return f"The intent's ready_by ({intent['ready_by']}) has passed and it gives no ready_by_local_time."
    request = PlanRequest(
        start=start,
        ready_by=ready_by,
        energy_kwh=Decimal(str(intent["energy_required_kwh"])),
        power_kw=Decimal(str(_power_kw(asset, default_power_kw))),
        off_peak=windows,
        zone=zone,
        mode=cast(ChargingMode, intent.get("charging_mode") or MAXIMISE),
        may_charge_peak=bool(intent.get("may_charge_peak")),
    )
    boost_until = parse_iso(asset["boost_until"]) if asset["boost_until"] else None
    plan = plan_with_boost(request, boost_until=boost_until) if boost_until else plan_charging(request)
    return Planned(plan=plan, request=request, profile=profile_to_axle_json(plan.profile))


def _ready_by(intent: dict[str, Any], zone: ZoneInfo, plugged_in_at: str | None, start: datetime) -> datetime | None:
    local_text = intent.get("ready_by_local_time")
    if local_text:
        local = time.fromisoformat(local_text)
        after = parse_iso(plugged_in_at) if plugged_in_at else start
        ready_by = next_occurrence(local, zone, after=min(after, start))
        # A car left plugged in past its ready-by is planned for the next morning.
        return ready_by if ready_by > start else next_occurrence(local, zone, after=start)
    ready_by = parse_iso(intent["ready_by"])
    return ready_by if (ready_by - start).total_seconds() >= 1 else None


def _power_kw(asset: AssetRecord, default: float) -> float:
    vehicle = asset["vehicle"] or {}
    if vehicle.get("charging_rate_kw"):
        return float(vehicle["charging_rate_kw"])
    power = asset["properties"].get("power_kw")
    return float(power) if power else default
