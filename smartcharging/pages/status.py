"""What a charger is doing, and whether the car will be ready, in the homeowner's words.

Pure: callers pass the rows and the plan; nothing here reads the database, so every wording is
tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from chargers.models import ChargerState
from smartcharging.plan import PlanSummary
from smartcharging.selectors import EffectiveIntent

from .formatting import clock, clock_up, day_clock, kwh

# OCPP 1.6 ChargePointStatus values that mean a car is connected to the charger.
PLUGGED_STATUSES = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})


class Tone(StrEnum):
    GOOD = "good"
    INFO = "info"
    IDLE = "idle"
    WARN = "warn"
    BAD = "bad"


@dataclass(frozen=True)
class ChargerStatus:
    key: str  # unplugged, waiting, charging, boost, paused, ready, car_paused, offline, fault, unavailable, unknown
    words: str
    detail: str
    tone: Tone

    @property
    def plugged_in(self) -> bool:
        return self.key in {"waiting", "charging", "boost", "paused", "ready", "car_paused"}


@dataclass(frozen=True)
class Verdict:
    text: str
    tone: Tone
    advice: str = ""


@dataclass(frozen=True)
class Facts:
    """What is known of one charger right now."""

    state: ChargerState | None
    plugged_in_at: datetime | None  # the open plug session, if any
    has_live_plan: bool  # a schedule that has not ended yet
    delivered_kwh: Decimal | None  # in the open plug session
    target_kwh: Decimal | None
    boost_until: datetime | None
    next_charge_at: datetime | None  # the plan's next half hour with power, if in the future
    now: datetime
    zone: ZoneInfo


def charger_status(facts: Facts) -> ChargerStatus:
    """The charger's state in a few words, with one line of detail."""
    state, zone, now = facts.state, facts.zone, facts.now
    if state is not None and not state.connected:
        # What to do about it is the verdict's job; the status only says since when.
        since = state.disconnected_at or state.last_seen_at
        detail = f"Since {day_clock(since, zone, now=now)}." if since else "We can't reach the charger."
        return ChargerStatus("offline", "Offline", detail, Tone.BAD)
    status = state.connector_status if state else ""
    if status == "Faulted":
        return ChargerStatus(
            "fault", "Charger fault", "Switch the charger off and on again; if the fault stays, call support.", Tone.BAD
        )
    if status == "Unavailable":
        return ChargerStatus("unavailable", "Unavailable", "The charger is switched off or being updated.", Tone.WARN)
    plugged = facts.plugged_in_at is not None or status in PLUGGED_STATUSES
    if not plugged:
        if state is None:
            return ChargerStatus("unknown", "Not connected yet", "We haven't heard from this charger yet.", Tone.IDLE)
        return ChargerStatus("unplugged", "Unplugged", "Plug in when you get home.", Tone.IDLE)
    added = f"{kwh(facts.delivered_kwh)} added so far." if facts.delivered_kwh else ""
    target_met = (
        facts.delivered_kwh is not None and facts.target_kwh is not None and facts.delivered_kwh >= facts.target_kwh
    )
    if status == "Charging":
        if facts.boost_until and facts.boost_until > now:
            return ChargerStatus(
                "boost", "Charging now (boost)", f"Until {clock(facts.boost_until, zone)}. {added}", Tone.GOOD
            )
        return ChargerStatus("charging", "Charging", added or "Charging has started.", Tone.GOOD)
    if status == "Finishing" or target_met:
        done = f"{kwh(facts.delivered_kwh)} added." if facts.delivered_kwh else "Charging has finished."
        return ChargerStatus("ready", "Ready", done, Tone.GOOD)
    if status == "SuspendedEV":
        return ChargerStatus(
            "car_paused",
            "Car not taking charge",
            "The car has paused charging: it may be full, or its own charging timer is on.",
            Tone.WARN,
        )
    if not facts.has_live_plan:
        return ChargerStatus(
            "waiting", "Plugged in, waiting for a plan", "A plan usually arrives within a minute.", Tone.INFO
        )
    when = f"Charging starts at {clock(facts.next_charge_at, zone)}." if facts.next_charge_at else ""
    return ChargerStatus("paused", "Paused by plan", when or "Waiting for cheaper electricity.", Tone.INFO)


def verdict(
    status: ChargerStatus,
    *,
    effective: EffectiveIntent | None,
    plan: PlanSummary | None,
    may_charge_peak: bool,
    now: datetime,
    zone: ZoneInfo,
) -> Verdict:
    """One line: will the car be ready, and if not, why and what to do."""
    if effective is None:
        return Verdict("Tell us what you need", Tone.INFO, "Set how much charge to add and when you need the car.")
    need = f"{kwh(effective.energy_required_kwh)} by {day_clock(effective.ready_by, zone, now=now)}"
    if status.key == "offline":
        return Verdict(
            "Charger offline: it can't follow the plan",
            Tone.BAD,
            "Check the charger's power and Wi-Fi, or switch it off and on. The plan is sent again when it reconnects.",
        )
    if status.key in {"fault", "unavailable"}:
        return Verdict(f"Can't charge for {need}", Tone.BAD, status.detail)
    if status.key == "ready":
        return Verdict(f"Ready: {status.detail.rstrip('.')}", Tone.GOOD)
    if not status.plugged_in:
        return Verdict(f"Plug in for {need}", Tone.IDLE)
    if plan is None:
        return Verdict(
            f"Waiting for a plan for {need}",
            Tone.INFO,
            "If no plan arrives in time, the charger charges straight away so your car is ready.",
        )
    if plan.meets_ready_by:
        reached = (
            f"{kwh(plan.target_kwh)} reached by {clock_up(plan.reaches_target_at, zone)}."
            if plan.reaches_target_at
            else ""
        )
        return Verdict(
            f"Ready by {clock(effective.ready_by, zone)} with {kwh(effective.energy_required_kwh)}", Tone.GOOD, reached
        )
    # What arrives in time: a plan may run on past the ready-by (the schedule's own end).
    by_then = sum((slot.energy_kwh for slot in plan.slots if slot.start < effective.ready_by), Decimal(0))
    ready = clock(effective.ready_by, zone)
    short = f"By {ready} the plan adds {kwh(by_then)} of the {kwh(plan.target_kwh)} you asked for."
    if may_charge_peak:
        advice = f"{short} Ask for less, choose a later time, or tap Charge now."
    else:
        advice = f"{short} Allow peak-time charging, ask for less, or choose a later time."
    return Verdict(f"Won't be ready by {ready}", Tone.BAD, advice)
