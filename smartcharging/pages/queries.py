"""Reads for the homeowner pages, every one starting from the signed-in user's household.

A charger or site of another household is not found (404), never forbidden: its existence is not
the visitor's business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from chargers.models import Asset, ChargerState, HalfHourEnergy, MeterSample, OcppTransaction, PlugSession, Site
from smartcharging.models import (
    ApplyState,
    AxleEvent,
    ChargingIntent,
    ChargingSchedule,
    EventKind,
    EventState,
    ScheduleSource,
    Tariff,
    VerifyState,
)
from smartcharging.plan import SLOT, PlanSummary
from smartcharging.selectors import EffectiveIntent, intent_effective, schedule_plan, site_follows_smart_charging

from .status import ChargerStatus, Facts, Tone, Verdict, charger_status, verdict

# An event still waiting this long after it was written means Axle (or our worker) is not keeping up.
AXLE_SLOW_AFTER = timedelta(minutes=2)
# A refused event older than this has had an admin's attention or never will; it no longer says
# anything about whether Axle is reachable now.
AXLE_FAILED_RECENT = timedelta(days=1)

T = TypeVar("T")


# --- Scoping ----------------------------------------------------------------------------------


def household_sites(user: User) -> QuerySet[Site]:
    if user.household_id is None:
        return Site.objects.none()
    return Site.objects.filter(household_id=user.household_id).select_related("tariff").order_by("id")


def household_assets(user: User) -> QuerySet[Asset]:
    if user.household_id is None:
        return Asset.objects.none()
    return (
        Asset.objects.filter(site__household_id=user.household_id)
        .select_related("site", "site__tariff", "state", "intent")
        .order_by("id")
    )


def asset_for(user: User, pk: int) -> Asset:
    asset = household_assets(user).filter(pk=pk).first()
    if asset is None:
        raise Http404("No such charger.")
    return asset


def site_for(user: User, pk: int) -> Site:
    site = household_sites(user).filter(pk=pk).first()
    if site is None:
        raise Http404("No such home.")
    return site


def one_to_one(obj: object, name: str, kind: type[T]) -> T | None:
    """A reverse one-to-one (asset.state, asset.intent, site.tariff), or None when there is none."""
    try:
        value = getattr(obj, name)
    except ObjectDoesNotExist:
        return None
    return value if isinstance(value, kind) else None


# --- One charger, now -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChargerOverview:
    asset: Asset
    site: Site
    intent: ChargingIntent | None
    effective: EffectiveIntent | None
    schedule: ChargingSchedule | None  # the charger's current schedule, live or not
    live: bool  # the current schedule has not ended yet
    plan: PlanSummary | None  # what the live schedule means against the intent
    status: ChargerStatus
    verdict: Verdict
    boost_until: datetime | None
    smart_charging: bool  # enrolled in Axle's Smart Charging (boost and plans need it)


def current_schedule(asset: Asset) -> ChargingSchedule | None:
    return ChargingSchedule.objects.filter(asset=asset, is_current=True).select_related("asset__site").first()


def schedule_ends_at(schedule: ChargingSchedule) -> datetime | None:
    if schedule.start_schedule is None or schedule.duration_s is None:
        return None
    return schedule.start_schedule + timedelta(seconds=schedule.duration_s)


def schedule_is_live(schedule: ChargingSchedule | None, *, now: datetime) -> bool:
    if schedule is None:
        return False
    ends = schedule_ends_at(schedule)
    return ends is None or ends > now


def live_plan(schedule: ChargingSchedule | None, *, now: datetime) -> PlanSummary | None:
    if schedule is None or not schedule_is_live(schedule, now=now):
        return None
    try:
        return schedule_plan(schedule, now=now)
    except ValueError:  # a Recurring profile: not a one-night plan, nothing to draw
        return None


def boost_until(asset: Asset, *, now: datetime) -> datetime | None:
    """When the running "Charge now" ends: the newest boost event for the charger, if it still runs.

    Boosts are not stored apart from the events owed to Axle; a refused event never reached Axle,
    so it does not count.
    """
    last = (
        AxleEvent.objects.filter(asset=asset, kind__in=[EventKind.CHARGE_NOW, EventKind.CHARGE_NOW_DELETED])
        .exclude(state__in=[EventState.FAILED, EventState.SUPERSEDED])
        .order_by("-id")
        .only("kind", "payload")
        .first()
    )
    if last is None or last.kind != EventKind.CHARGE_NOW:
        return None
    try:
        end_at = datetime.fromisoformat(str(last.payload.get("end_at", "")))
    except ValueError:
        return None
    return end_at if end_at > now else None


def axle_is_behind(site: Site, *, now: datetime) -> bool:
    """Events for the site that Axle has not taken yet: retrying, slow, or recently refused."""
    return (
        AxleEvent.objects.filter(site=site)
        .filter(
            Q(state=EventState.PENDING, attempts__gt=0)
            | Q(state=EventState.PENDING, created_at__lt=now - AXLE_SLOW_AFTER)
            | Q(state=EventState.FAILED, created_at__gte=now - AXLE_FAILED_RECENT)
        )
        .exists()
    )


def open_session(asset: Asset) -> PlugSession | None:
    return PlugSession.objects.filter(asset=asset, plugged_out_at__isnull=True).prefetch_related("transactions").first()


def _transactions_kwh(transactions: list[OcppTransaction], latest_register_wh: float | None) -> Decimal | None:
    """Energy from the charger's own transaction meter values: stop - start, or latest sample - start."""
    total, known = Decimal(0), False
    for tx in transactions:
        end_wh = tx.meter_stop_wh if tx.meter_stop_wh is not None else latest_register_wh
        if end_wh is None:
            continue
        total += Decimal(str(max(end_wh - tx.meter_start_wh, 0.0))) / 1000
        known = True
    return total if known else None


def session_energy_kwh(session: PlugSession, *, now: datetime) -> Decimal | None:
    """Energy delivered in a plug session: the transactions' meter values, else the half hours."""
    transactions = list(session.transactions.all())
    running = next((tx for tx in transactions if tx.stopped_at is None), None)
    latest = None
    if running is not None:
        latest = (
            MeterSample.objects.filter(asset_id=session.asset_id, taken_at__gte=running.started_at)
            .order_by("-taken_at")
            .values_list("register_wh", flat=True)
            .first()
        )
    from_meter = _transactions_kwh(transactions, latest)
    if from_meter is not None:
        return from_meter
    total = HalfHourEnergy.objects.filter(
        asset_id=session.asset_id,
        interval_start__gte=_floor_slot(session.plugged_in_at),
        interval_start__lt=session.plugged_out_at or now,
    ).aggregate(total=Sum("energy_kwh"))["total"]
    return Decimal(total) if total is not None else None


def _floor_slot(at: datetime) -> datetime:
    return at.replace(minute=at.minute // 30 * 30, second=0, microsecond=0)


def charger_overview(asset: Asset, *, now: datetime) -> ChargerOverview:
    """Everything the home and plan pages say about one charger."""
    site = asset.site
    zone = site.zone
    intent = one_to_one(asset, "intent", ChargingIntent)
    effective = intent_effective(intent, now=now, zone=zone) if intent else None
    schedule = current_schedule(asset)
    live = schedule_is_live(schedule, now=now)
    plan = live_plan(schedule, now=now)
    session = open_session(asset)
    boost = boost_until(asset, now=now)
    next_charge = next((s.start for s in plan.slots if s.power_kw > 0 and s.start > now), None) if plan else None
    status = charger_status(
        Facts(
            state=one_to_one(asset, "state", ChargerState),
            plugged_in_at=session.plugged_in_at if session else None,
            has_live_plan=live,
            delivered_kwh=session_energy_kwh(session, now=now) if session else None,
            target_kwh=effective.energy_required_kwh if effective else None,
            boost_until=boost,
            next_charge_at=next_charge,
            now=now,
            zone=zone,
        )
    )
    return ChargerOverview(
        asset=asset,
        site=site,
        intent=intent,
        effective=effective,
        schedule=schedule,
        live=live,
        plan=plan,
        status=status,
        verdict=verdict(
            status,
            effective=effective,
            plan=plan,
            may_charge_peak=bool(intent and intent.may_charge_peak),
            now=now,
            zone=zone,
        ),
        boost_until=boost,
        smart_charging=site_follows_smart_charging(site.pk),
    )


# --- History ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: PlugSession
    asset: Asset
    energy_kwh: Decimal | None
    cost_pence: Decimal | None  # at the home's current tariff: no tariff history is kept
    plan_words: str
    plan_tone: Tone


def _plan_followed(schedules: list[ChargingSchedule]) -> tuple[str, Tone]:
    """Which schedule the session had, and whether the charger took it."""
    if not schedules:
        return "No plan: charged straight away", Tone.IDLE
    if any(s.source == ScheduleSource.FALLBACK for s in schedules):
        return "Backup plan charged the car", Tone.WARN
    last = schedules[-1]
    if last.source == ScheduleSource.FLEX_LITE:
        return "Flex Lite pause", Tone.INFO
    if last.verify_state == VerifyState.MISMATCH:
        return "The charger didn't follow the plan", Tone.BAD
    if last.apply_state == ApplyState.APPLIED:
        return "Followed Axle's plan", Tone.GOOD
    if last.apply_state in (ApplyState.REFUSED, ApplyState.CHARGER_REJECTED, ApplyState.FAILED):
        return "Plan not applied: charged straight away", Tone.WARN
    return "Axle's plan sent to the charger", Tone.INFO


def _cost_pence(halves: list[HalfHourEnergy], tariff: Tariff | None, zone: ZoneInfo) -> Decimal | None:
    """Each half hour's energy at the tariff's rate for that wall-clock time."""
    if tariff is None or not halves:
        return None
    windows = tariff.windows
    peak = tariff.peak_rate_pence if tariff.peak_rate_pence is not None else tariff.off_peak_rate_pence
    off = tariff.off_peak_rate_pence if tariff.off_peak_rate_pence is not None else peak
    if peak is None or off is None:
        return None
    total = Decimal(0)
    for half in halves:
        wall = (half.interval_start + SLOT / 2).astimezone(zone).time()
        total += half.energy_kwh * (off if any(w.contains(wall) for w in windows) else peak)
    return total


def session_history(user: User, *, now: datetime, limit: int = 30) -> list[SessionRow]:
    """The household's finished plug sessions, newest first, in a fixed number of queries."""
    sessions = list(
        PlugSession.objects.filter(asset__in=household_assets(user), plugged_out_at__isnull=False)
        .select_related("asset__site__tariff")
        .prefetch_related("transactions")
        .order_by("-plugged_in_at")[:limit]
    )
    if not sessions:
        return []
    asset_ids = {s.asset_id for s in sessions}
    earliest = _floor_slot(min(s.plugged_in_at for s in sessions))
    latest = max(s.plugged_out_at or now for s in sessions)
    halves: dict[int, list[HalfHourEnergy]] = defaultdict(list)
    for half in HalfHourEnergy.objects.filter(asset_id__in=asset_ids, interval_start__range=(earliest, latest)):
        halves[half.asset_id].append(half)
    schedules: dict[int, list[ChargingSchedule]] = defaultdict(list)
    for schedule in (
        ChargingSchedule.objects.filter(asset_id__in=asset_ids, received_at__range=(earliest - SLOT, latest))
        .only("asset_id", "received_at", "source", "apply_state", "verify_state")
        .order_by("received_at", "id")
    ):
        schedules[schedule.asset_id].append(schedule)
    rows = []
    for session in sessions:
        start, end = session.plugged_in_at, session.plugged_out_at or now
        own_halves = [h for h in halves[session.asset_id] if _floor_slot(start) <= h.interval_start < end]
        energy = _transactions_kwh(list(session.transactions.all()), None)
        if energy is None and own_halves:
            energy = sum((h.energy_kwh for h in own_halves), Decimal(0))
        site = session.asset.site
        words, tone = _plan_followed([s for s in schedules[session.asset_id] if start - SLOT <= s.received_at <= end])
        rows.append(
            SessionRow(
                session=session,
                asset=session.asset,
                energy_kwh=energy,
                cost_pence=_cost_pence(own_halves, one_to_one(site, "tariff", Tariff), site.zone),
                plan_words=words,
                plan_tone=tone,
            )
        )
    return rows
