"""The safety net: a Smart Charging car plugged in must be ready by its ready-by, Axle or no Axle.

If no schedule has come from Axle some minutes after plug-in (Axle down, late, or never told), or
Axle's schedule would not deliver the intent's kWh by the ready-by time, the platform plans the
charge itself (the same planner as the Axle stand-in: cheapest off-peak time first, then peak time
as needed) and applies it like any schedule, saying why. Axle's next schedule replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from chargers.models import PlugSession
from smartcharging.models import ChargingIntent, ChargingSchedule, ScheduleShape, ScheduleSource, Tariff
from smartcharging.plan import PlanSummary
from smartcharging.planner import Plan, PlanRequest, plan_charging, profile_to_axle_json
from smartcharging.selectors import intent_effective, schedule_plan, smart_charging_site_ids

from .schedules import schedule_receive


@dataclass(frozen=True)
class Verdict:
    session: PlugSession
    reason: str  # empty: Axle's schedule (or the fallback already on the charger) is fine
    schedule: ChargingSchedule | None = None  # the fallback applied, if one was


def safety_net_sweep(*, now: datetime) -> list[Verdict]:
    """Check every plugged-in car at a Smart Charging site; apply a fallback where one is needed."""
    sessions = PlugSession.objects.filter(
        plugged_out_at__isnull=True, asset__site_id__in=smart_charging_site_ids()
    ).select_related("asset__site")
    return [safety_net_check(session, now=now) for session in sessions]


def safety_net_check(session: PlugSession, *, now: datetime) -> Verdict:
    asset = session.asset
    intent = ChargingIntent.objects.filter(asset=asset).first()
    if intent is None:
        return Verdict(session, "")  # no target to protect: the charger charges as it would without us
    effective = intent_effective(intent, now=now, zone=asset.site.zone)
    if effective.ready_by <= now:
        return Verdict(session, "")
    current = ChargingSchedule.objects.filter(asset=asset, is_current=True).select_related("asset__site").first()
    if current is not None and current.source == ScheduleSource.FALLBACK:
        return Verdict(session, "")  # already on our own plan; Axle's next schedule replaces it
    reason, summary = _reason(session, current, now=now)
    if not reason:
        return Verdict(session, "")
    tariff = Tariff.objects.filter(site_id=asset.site_id).first()
    power_kw = min(asset.rated_power_kw, session.vehicle_charging_rate_kw or asset.rated_power_kw)
    plan = plan_charging(
        PlanRequest(
            start=now,
            ready_by=effective.ready_by,
            energy_kwh=effective.energy_required_kwh,
            power_kw=power_kw,
            off_peak=tariff.windows if tariff else [],
            zone=asset.site.zone,
            mode=intent.charging_mode,  # type: ignore[arg-type]  # the model's choices are the planner's modes
            may_charge_peak=True,  # the homeowner's ready-by comes first when Axle cannot plan
            peak_rate_pence=tariff.peak_rate_pence if tariff else None,
            off_peak_rate_pence=tariff.off_peak_rate_pence if tariff else None,
        )
    )
    if current is not None and not _better(plan, summary or schedule_plan(current, now=now)):
        return Verdict(session, f"{reason} The platform's plan would not do better; Axle's stays.")
    notes = "\n".join([f"Fallback: {reason}", *plan.reasons])
    profile_json = profile_to_axle_json(plan.profile)
    received = schedule_receive(
        asset=asset,
        profile=plan.profile,
        profile_json=profile_json,
        raw_payload=profile_json,
        shape=ScheduleShape.PROFILE,
        source=ScheduleSource.FALLBACK,
        notes=notes,
    )
    return Verdict(session, reason, received.schedule)


def _reason(session: PlugSession, current: ChargingSchedule | None, *, now: datetime) -> tuple[str, PlanSummary | None]:
    """Why the car needs the platform's plan ("" if it does not), with Axle's schedule's summary if read."""
    waited = now - session.plugged_in_at
    if current is None or current.received_at < session.plugged_in_at:
        if waited < timedelta(seconds=settings.FALLBACK_AFTER_S):
            return "", None
        minutes = int(waited.total_seconds() // 60)
        return f"No schedule from Axle {minutes} minutes after the car was plugged in.", None
    summary = schedule_plan(current, now=now)
    if summary is None or summary.meets_ready_by:
        return "", summary
    reason = f"Axle's schedule would not deliver the {summary.target_kwh:.1f} kWh asked for by the ready-by time."
    return reason, summary


def _better(plan: Plan, summary: PlanSummary | None) -> bool:
    """Whether our plan gets the car nearer its target than Axle's schedule (`summary`) does."""
    if summary is None:
        return True
    axle_shortfall = max(Decimal(0), summary.target_kwh - summary.energy_kwh)
    return plan.shortfall_kwh < axle_shortfall
