"""Receiving Axle's schedules: store each once, keep one current per charger, queue its application."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chargers.models import Asset
from chargers.profiles import ChargingProfile
from smartcharging.axle.session import format_timestamp
from smartcharging.models import ChargingSchedule, EventKind, ScheduleShape, ScheduleSource
from smartcharging.models.schedules import ApplyState
from smartcharging.selectors import asset_taking_schedules

from .apply_queue import apply_queue_kick
from .outbox import event_enqueue


@dataclass(frozen=True)
class Envelope:
    id: str
    event_type: str
    created_at: datetime | None


# How far ahead of our clock an envelope's created_at may be and still be believed: clocks drift.
ENVELOPE_CLOCK_ALLOWANCE = timedelta(minutes=5)


def _believable(created_at: datetime | None, *, now: datetime) -> datetime | None:
    """Axle's created_at, held to no later than its arrival (plus the allowance).

    It orders envelopes (an older one never replaces a newer plan), so one dated in the future would
    make every later envelope "late" until that date: evidence, not truth.
    """
    if created_at is None or created_at <= now + ENVELOPE_CLOCK_ALLOWANCE:
        return created_at
    return now


@dataclass(frozen=True)
class ChargerLookup:
    """How Axle named the charger in its push: Axle's asset_id, or our external id."""

    charger_id: str
    external: bool

    def fields(self) -> dict[str, object] | None:
        """The Asset lookup, or None if the id cannot name a charger (Axle's ids are UUIDs)."""
        if self.external:
            return {"external_id": self.charger_id} if self.charger_id else None
        try:
            return {"axle_asset_id": uuid.UUID(self.charger_id)}
        except ValueError:
            return None


class UnknownCharger(Exception):
    """No charger has the id Axle used."""


class ChargerNotEnrolled(Exception):
    """The charger's site does not follow Smart Charging, so it takes no schedules."""


@dataclass(frozen=True)
class Received:
    schedule: ChargingSchedule
    created: bool  # False: a repeat of a delivery already stored


def profile_fingerprint(profile_json: object) -> str:
    """The same profile, however its keys were ordered or spaced, gives the same fingerprint."""
    canonical = json.dumps(profile_json, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class _Current:
    """What a push decides on about the charger's current schedule."""

    pk: int
    profile_sha256: str
    envelope_created_at: datetime | None
    apply_state: str


class _Raced(Exception):
    """Another delivery for the charger committed while this one waited for its lock."""


def schedule_receive(
    *,
    asset: Asset | ChargerLookup,
    profile: ChargingProfile,
    profile_json: object,
    raw_payload: Any,
    shape: ScheduleShape,
    envelope: Envelope | None = None,
    source: ScheduleSource = ScheduleSource.AXLE,
    notes: str = "",
) -> Received:
    """Store the schedule as the charger's current one, unless it repeats a delivery already stored.

    A repeat is the same envelope id for the same charger, or, without an envelope, the same profile
    as the charger's current schedule (a new event id with the same plan is heard: it is owed callbacks). The
    charger's row is locked, so two deliveries racing for one charger leave one current schedule.
    A schedule whose envelope says it was made before the current one is kept in the history but
    does not replace it (a late retry must not undo a newer plan).

    Axle's push names the charger with a ChargerLookup: it is found and locked in one query, and
    UnknownCharger or ChargerNotEnrolled raised if it cannot take the schedule.

    Axle pushes thousands at once, so the charger, its lock and its current schedule are read in
    one query. That read can be stale if the query waited for the lock while a racing delivery
    committed; the conditional UPDATE of the replaced schedule and the one-current-per-charger
    constraint then say so, and the delivery decides again, reading the current schedule afresh.
    """
    store = partial(
        _store,
        asset=asset,
        profile=profile,
        profile_json=profile_json,
        raw_payload=raw_payload,
        shape=shape,
        envelope=envelope,
        source=source,
        notes=notes,
    )
    try:
        with transaction.atomic():
            return store(current_with_lock=True)
    except (_Raced, IntegrityError):
        pass  # rolled back: decide again from what the other delivery stored
    with transaction.atomic():
        return store(current_with_lock=False)


def _store(
    *,
    asset: Asset | ChargerLookup,
    profile: ChargingProfile,
    profile_json: object,
    raw_payload: Any,
    shape: ScheduleShape,
    envelope: Envelope | None,
    source: ScheduleSource,
    notes: str,
    current_with_lock: bool,
) -> Received:
    asset, current = _charger_locked(asset, current_with_lock=current_with_lock)
    fingerprint = profile_fingerprint(profile_json)
    if envelope is not None:  # under the lock: a racing twin has either stored it or not begun
        # An event id is Axle's per charger (its callback path names both), so the repeat key is the pair.
        existing = ChargingSchedule.objects.filter(asset=asset, envelope_id=envelope.id).first()
        if existing is not None:
            return Received(existing, created=False)
    elif current is not None and current.profile_sha256 == fingerprint:
        # Only a bare profile repeats by content: a new event id is a new event, owed its own callbacks.
        return Received(ChargingSchedule.objects.get(pk=current.pk), created=False)
    now = timezone.now()
    created_at = _believable(envelope.created_at, now=now) if envelope else None
    late = (
        current is not None
        and created_at is not None
        and current.envelope_created_at is not None
        and created_at < current.envelope_created_at
    )
    if current is not None and not late:
        pending = current.apply_state == ApplyState.PENDING
        replaced = ChargingSchedule.objects.filter(pk=current.pk, is_current=True).update(
            is_current=False,
            superseded_at=now,
            apply_state=ApplyState.SUPERSEDED if pending else current.apply_state,
        )
        if not replaced:
            raise _Raced
    schedule = ChargingSchedule.objects.create(
        asset=asset,
        received_at=now,
        source=source,
        shape=shape,
        envelope_id=envelope.id if envelope else None,
        envelope_created_at=created_at,
        event_type=envelope.event_type if envelope else "",
        profile_sha256=fingerprint,
        raw_payload=raw_payload,
        stack_level=profile.stack_level,
        purpose=profile.purpose,
        kind=profile.kind,
        recurrency_kind=profile.recurrency_kind or "",
        rate_unit=profile.rate_unit,
        start_schedule=profile.start_schedule,
        duration_s=profile.duration_s,
        min_charging_rate=profile.min_charging_rate,
        periods=[
            {"start_period_s": p.start_period_s, "limit": p.limit, "number_phases": p.number_phases}
            for p in profile.periods
        ],
        is_current=not late,
        apply_state=ApplyState.SUPERSEDED if late else ApplyState.PENDING,
        apply_notes="Arrived after a newer schedule; kept in the history only." if late else notes,
    )
    if envelope is not None:
        schedule_acknowledge(schedule, status="RECEIVED", at=now)
    if not late:
        transaction.on_commit(apply_queue_kick)
    return Received(schedule, created=True)


def _charger_locked(asset: Asset | ChargerLookup, *, current_with_lock: bool) -> tuple[Asset, _Current | None]:
    """The charger with its row locked (deliveries for one charger are decided one at a time), and
    its current schedule: read in the same query, or afresh after the lock is held."""
    lookup = {"pk": asset.pk} if isinstance(asset, Asset) else asset.fields()
    found = asset_taking_schedules(lock=True, with_current=current_with_lock, **lookup) if lookup else None
    if found is None:
        raise UnknownCharger
    if isinstance(asset, Asset):
        charger = asset  # the platform's own schedule (fallback, Flex Lite): any charger takes it
    elif not getattr(found, "follows_smart_charging", False):  # annotated by the selector
        raise ChargerNotEnrolled
    else:
        charger = found
    if current_with_lock:
        read = vars(found)
        if read["current_pk"] is None:
            return charger, None
        return charger, _Current(
            read["current_pk"], read["current_sha256"], read["current_envelope_created_at"], read["current_apply_state"]
        )
    fresh = (
        ChargingSchedule.objects.filter(asset=charger, is_current=True)
        .values_list("pk", "profile_sha256", "envelope_created_at", "apply_state")
        .first()
    )
    return charger, _Current(*fresh) if fresh else None


def schedule_acknowledge(schedule: ChargingSchedule, *, status: str, at: datetime) -> None:
    """Tell Axle what became of a schedule it sent with an event id (RECEIVED, REJECTED, ...).

    Through the outbox, in the caller's transaction: the acknowledgement exists if and only if
    what it reports does, and reaches Axle after the site's earlier events.
    """
    if not schedule.envelope_id:
        return  # Axle gave no event id to acknowledge
    asset = schedule.asset
    event_enqueue(
        site=asset.site,
        asset=asset,
        kind=EventKind.SCHEDULE_CALLBACK,
        payload={"event_id": schedule.envelope_id, "status": status, "timestamp": format_timestamp(at)},
    )
