"""Delivering the outbox to Axle: in order per site, one worker per event, every attempt recorded.

A worker claims a run of a site's oldest due events under a short lock on the site row (so two
workers cannot both take them, and a younger event never overtakes an older one), calls Axle for
each in turn outside any transaction, and records the outcomes if its lease still holds. It stops
at the first failure: nothing younger may overtake the event that failed. A worker killed mid-run
leaves a lease that expires; those events are then delivered again, which Axle's idempotent
endpoints allow.

Outcomes are recorded together, in one short transaction per run, rather than one per event:
per-event commits cost more than the call to Axle itself (bench/outbox.py). An event whose answer
changes what later events need (onboarding gives the chargers their Axle ids) is recorded at once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import takewhile

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from chargers.models import Site
from smartcharging.axle.errors import AxleError, AxlePermanentError
from smartcharging.models import AttemptOutcome, AxleEvent, AxleEventAttempt, EventState

from .axle_senders import SENDERS, Sent, on_permanent_failure
from .backoff import backoff_delay
from .outbox import queue_delivery

logger = logging.getLogger(__name__)

RUN_LENGTH = 50  # events claimed at once; bounds what is sent twice if a worker dies mid-run


def call_budget() -> timedelta:
    """The longest one call to Axle can take."""
    return timedelta(seconds=settings.AXLE_CONNECT_TIMEOUT_S + settings.AXLE_READ_TIMEOUT_S)


def lease_duration() -> timedelta:
    # A worker starts no call that could end after its lease; two calls' worth leaves room for one.
    return max(timedelta(seconds=settings.AXLE_OUTBOX_LEASE_S), 2 * call_budget() + timedelta(seconds=10))


@dataclass
class Claim:
    events: list[AxleEvent]
    lease: uuid.UUID
    expires: float  # time.monotonic() by which the last call must have ended
    delivered: list[tuple[AxleEvent, Sent, datetime, float]] = field(default_factory=list)


def _leased_elsewhere(event: AxleEvent, now: datetime) -> bool:
    return event.lease_expires_at is not None and event.lease_expires_at > now


def _claim_run(site_id: int, now: datetime, limit: int) -> Claim | None:
    with transaction.atomic():
        # Serialises claimers of one site; held only for these few queries, never during a call.
        if not Site.objects.select_for_update().filter(pk=site_id).exists():
            return None
        waiting = list(
            AxleEvent.objects.filter(site_id=site_id, state=EventState.PENDING)
            .select_related("asset", "site")
            .order_by("id")[:limit]
        )
        run = list(takewhile(lambda e: e.next_attempt_at <= now and not _leased_elsewhere(e, now), waiting))
        if not run:
            return None  # the oldest is backing off, or another worker is delivering it
        head = run[0]
        if head.lease_token is not None:
            # Its last worker stopped before recording an answer: that was an attempt too.
            head.attempts += 1
            head.save(update_fields=["attempts"])
            AxleEventAttempt.objects.create(
                event=head,
                outcome=AttemptOutcome.TRANSIENT,
                message="The worker delivering this stopped before recording Axle's answer; delivering it again.",
            )
        lease = uuid.uuid4()
        AxleEvent.objects.filter(pk__in=[e.pk for e in run]).update(
            lease_token=lease, lease_expires_at=now + lease_duration()
        )
        expires = time.monotonic() + (lease_duration() - call_budget()).total_seconds()
        return Claim(events=run, lease=lease, expires=expires)


def site_events_deliver(*, site_id: int, max_events: int = 500) -> int:
    """Deliver the site's due events in order; returns how many were delivered.

    Stops at an event that must wait (backing off, or being delivered by another worker), because
    nothing younger may overtake it, and queues itself again for when that event is due.
    """
    delivered = 0
    while delivered < max_events:
        claim = _claim_run(site_id, timezone.now(), min(RUN_LENGTH, max_events - delivered))
        if claim is None:
            break
        count, finished = _deliver_run(claim)
        delivered += count
        if not finished:
            break
    _requeue_when_due(site_id)
    return delivered


def _deliver_run(claim: Claim) -> tuple[int, bool]:
    """Send the claimed events in order; (how many were delivered, whether all of them were)."""
    delivered = 0
    for index, event in enumerate(claim.events):
        if time.monotonic() > claim.expires:
            _flush(claim)  # what was sent is recorded before the lease runs out
            _release(claim, claim.events[index:])
            return delivered, False
        started_at, started = timezone.now(), time.monotonic()
        try:
            sent = SENDERS[event.kind](event)
        except Exception as raised:
            _flush(claim)
            error = raised if isinstance(raised, AxleError) else _our_fault(event, raised)
            if _record_failure(claim, event, error, started_at) == EventState.FAILED:
                if event.migration_item_id is None:
                    continue  # refused for good: an admin will see it, and the events after it may go
                # A refused step of a migration withdrew that migration's later steps: claim afresh.
                _release(claim, claim.events[index + 1 :])
                return delivered, True
            _release(claim, claim.events[index + 1 :])
            return delivered, False
        claim.delivered.append((event, sent, started_at, (time.monotonic() - started) * 1000))
        delivered += 1
        if sent.after is not None and index + 1 < len(claim.events):
            # What comes next may need what this answer changed (Axle's ids): claim it afresh.
            _flush(claim)
            _release(claim, claim.events[index + 1 :])
            return delivered, True
    _flush(claim)
    return delivered, True


def _our_fault(event: AxleEvent, raised: Exception) -> AxleError:
    # A fault of ours (e.g. a stored payload the client refuses before sending): retried like an
    # outage, so a fix deployed in time delivers it; after the last attempt an admin sees it.
    logger.exception("Delivering %s failed before reaching Axle", event)
    return AxleError(f"The platform could not send this event: {type(raised).__name__}: {raised}")


@transaction.atomic
def _flush(claim: Claim) -> None:
    """Record the run's delivered events, if this worker's lease on them still holds."""
    if not claim.delivered:
        return
    ours = set(
        AxleEvent.objects.filter(
            pk__in=[event.pk for event, *_ in claim.delivered], lease_token=claim.lease
        ).values_list("pk", flat=True)
    )
    # Rows another worker took over after our lease expired keep that worker's record.
    delivered = [(event, sent, at, ms) for event, sent, at, ms in claim.delivered if event.pk in ours]
    AxleEventAttempt.objects.bulk_create(
        AxleEventAttempt(
            event=event,
            started_at=started_at,
            duration_ms=round(duration_ms),
            status_code=sent.status_code,
            outcome=AttemptOutcome.DELIVERED,
            message=sent.note,
        )
        for event, sent, started_at, duration_ms in delivered
    )
    # One UPDATE per distinct answer (nearly always one: 200 with an empty body), not one per row.
    groups: dict[tuple[int | None, str], list[int]] = {}
    for event, sent, *_ in delivered:
        groups.setdefault((sent.status_code, json.dumps(sent.response, sort_keys=True)), []).append(event.pk)
    now = timezone.now()
    for (status_code, response), pks in groups.items():
        AxleEvent.objects.filter(pk__in=pks).update(
            state=EventState.DELIVERED,
            delivered_at=now,
            attempts=F("attempts") + 1,
            last_status_code=status_code,
            last_error="",
            response=json.loads(response),
            lease_token=None,
            lease_expires_at=None,
        )
    for _, sent, *_ in delivered:
        if sent.after is not None:
            sent.after()
    claim.delivered.clear()


@transaction.atomic
def _record_failure(claim: Claim, event: AxleEvent, error: AxleError, started_at: datetime) -> str | None:
    """Record a failed attempt; returns the event's new state (None if another worker took it over)."""
    if not AxleEvent.objects.filter(pk=event.pk, lease_token=claim.lease).exists():
        return None  # our lease expired and another worker took the event over: its record stands
    permanent = isinstance(error, AxlePermanentError)
    event.attempts += 1
    exhausted = not permanent and event.attempts >= settings.AXLE_OUTBOX_MAX_ATTEMPTS
    elapsed_ms = error.duration_ms or (timezone.now() - started_at).total_seconds() * 1000
    AxleEventAttempt.objects.create(
        event=event,
        started_at=started_at,
        duration_ms=max(0, round(elapsed_ms)),
        status_code=error.status_code,
        outcome=AttemptOutcome.PERMANENT if permanent else AttemptOutcome.TRANSIENT,
        message=error.message,
        error_body=_jsonable(error.body),
    )
    event.last_status_code, event.last_error = error.status_code, error.message
    event.lease_token = event.lease_expires_at = None
    if permanent or exhausted:
        event.state = EventState.FAILED
        if exhausted:
            event.last_error = f"Gave up after {event.attempts} attempts. Last: {error.message}"
    else:
        delay = backoff_delay(
            event.attempts,
            base_s=settings.AXLE_OUTBOX_BACKOFF_BASE_S,
            cap_s=settings.AXLE_OUTBOX_BACKOFF_CAP_S,
            retry_after=error.retry_after,
        )
        event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    recorded = ["attempts", "state", "last_status_code", "last_error", "next_attempt_at"]
    event.save(update_fields=[*recorded, "lease_token", "lease_expires_at"])
    if event.state == EventState.FAILED:
        on_permanent_failure(event, error)
    return event.state


def _release(claim: Claim, unsent: list[AxleEvent]) -> None:
    AxleEvent.objects.filter(pk__in=[e.pk for e in unsent], lease_token=claim.lease).update(
        lease_token=None, lease_expires_at=None
    )


def _jsonable(body: object) -> object:
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    return str(body)


def _requeue_when_due(site_id: int) -> None:
    head = AxleEvent.objects.filter(site_id=site_id, state=EventState.PENDING).order_by("id").first()
    if head is None:
        return
    queue_delivery(site_id, eta=max(head.next_attempt_at, head.lease_expires_at or head.next_attempt_at))


def outbox_sweep(*, now: datetime, limit: int = 10_000) -> int:
    """Queue delivery for every site with a due event (lost tasks, expired leases); returns how many."""
    due = AxleEvent.objects.filter(state=EventState.PENDING, next_attempt_at__lte=now).filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    )
    site_ids = list(Site.objects.filter(Exists(due.filter(site=OuterRef("pk")))).values_list("pk", flat=True)[:limit])
    for site_id in site_ids:
        queue_delivery(site_id)
    return len(site_ids)


@transaction.atomic
def events_retry(*, event_ids: list[int]) -> int:
    """An admin's "try again" for failed events: back to the queue with a fresh set of attempts."""
    events = AxleEvent.objects.select_for_update().filter(pk__in=event_ids, state=EventState.FAILED)
    site_ids = set(events.values_list("site_id", flat=True))
    count = events.update(state=EventState.PENDING, attempts=0, next_attempt_at=timezone.now())
    for site_id in site_ids:
        transaction.on_commit(partial(queue_delivery, site_id))
    return count
