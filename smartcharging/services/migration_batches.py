"""Running a confirmed migration in the background, one batch of sites at a time.

A batch takes the run's next queued sites, checks each again (a site may have changed since the
admin confirmed), and writes each ready site's steps as outbox events, linked to its item, in the
order Axle must see them; the outbox delivers them and records every answer. The batch then looks
at the items already sent: all steps delivered makes an item done, a refused step makes it failed
with Axle's answer. Everything a batch does is one transaction in a fixed number of queries, so a
worker killed mid-batch leaves nothing half-done, and the next batch (or the periodic sweep)
carries on.

The pace follows MIGRATION_AXLE_CALLS_PER_S: each site's steps are due one after another at that
rate, and the next batch is queued for when this one's calls are due to be done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from chargers.models import Site
from smartcharging.models import (
    AuditAction,
    AuditEntry,
    AxleEvent,
    EventKind,
    EventState,
    ItemState,
    MigrationDirection,
    MigrationItem,
    MigrationRun,
    Proposition,
    RunState,
)

from .audit import audit_entry, audit_record_many
from .enrolments import enrolments_request_many, enrolments_withdraw_many
from .joining import SiteFacts, sites_facts
from .migration import planning_rows, queue_batch, skip_reason
from .outbox import events_enqueue

STEP_WORDS = {
    EventKind.ONBOARD: "onboard the site and its chargers",
    EventKind.ENROL: "enrol",
    EventKind.UNENROL: "unenrol",
    EventKind.TARIFF: "send the tariff",
    EventKind.PLUG_IN: "send the plug-in (car plugged in now)",
}


@dataclass(frozen=True)
class BatchOutcome:
    sent: int  # sites whose steps were written
    skipped: int
    finished: int  # items that became done or failed
    next_batch_in_s: float | None  # None: the run has nothing left to do


def migration_batch(*, run_id: int, now: datetime | None = None) -> BatchOutcome:
    """Do one batch of the run, then queue the next one (or finish the run)."""
    with transaction.atomic():
        outcome = _batch(run_id, now or timezone.now())
        if outcome.next_batch_in_s is not None:
            delay = outcome.next_batch_in_s
            transaction.on_commit(lambda: queue_batch(run_id, delay_s=delay))
    return outcome


def migrations_sweep(*, now: datetime) -> int:
    """Queue a batch for every run whose chain of batches stopped (a lost task, a restarted worker)."""
    overdue = now - timedelta(seconds=settings.MIGRATION_STALL_AFTER_S)
    runs = MigrationRun.objects.filter(state__in=(RunState.RUNNING, RunState.CANCELLED)).filter(
        Q(next_batch_at__isnull=True) | Q(next_batch_at__lte=overdue),
        Exists(MigrationItem.objects.filter(run=OuterRef("pk"), state__in=(ItemState.QUEUED, ItemState.SENDING))),
    )
    run_ids = list(runs.values_list("pk", flat=True))
    for run_id in run_ids:
        queue_batch(run_id)
    return len(run_ids)


def _batch(run_id: int, now: datetime) -> BatchOutcome:
    # The run's row serialises its batches: a second worker on the same run skips, never doubles.
    run = (
        MigrationRun.objects.select_for_update(skip_locked=True)
        .filter(pk=run_id, state__in=(RunState.RUNNING, RunState.CANCELLED))
        .first()
    )
    if run is None:
        return BatchOutcome(0, 0, 0, None)
    items = list(run.items.filter(state=ItemState.QUEUED).order_by("pk")[: settings.MIGRATION_BATCH_SITES])
    sent, skipped, calls, entries = _send(run, items, now) if items else (0, 0, 0, [])
    finished, finished_entries = _settle(run, now)
    audit_record_many([*entries, *finished_entries])
    waiting = run.items.filter(state__in=(ItemState.QUEUED, ItemState.SENDING))
    states = set(waiting.order_by().values_list("state", flat=True).distinct())
    if not states:
        if run.state == RunState.RUNNING:
            run.state, run.finished_at = RunState.FINISHED, now
        run.next_batch_at = None
        run.save(update_fields=["state", "finished_at", "next_batch_at"])
        return BatchOutcome(sent, skipped, finished, None)
    if ItemState.QUEUED in states:
        delay = calls / settings.MIGRATION_AXLE_CALLS_PER_S
    else:  # only answers to wait for
        delay = float(settings.MIGRATION_SETTLE_POLL_S)
    run.next_batch_at = now + timedelta(seconds=delay)
    run.save(update_fields=["next_batch_at"])
    return BatchOutcome(sent, skipped, finished, delay)


def _send(run: MigrationRun, items: list[MigrationItem], now: datetime) -> tuple[int, int, int, list[AuditEntry]]:
    """Check each item's site again and write the ready ones' steps; (sent, skipped, calls, audit)."""
    site_ids = [item.site_id for item in items]
    facts = sites_facts(site_ids, lock=True)
    rows = {row["pk"]: row for row in planning_rows(Site.objects.filter(pk__in=site_ids), except_run=run)}
    ready: list[MigrationItem] = []
    entries: list[AuditEntry] = []
    for item in items:
        site = facts[item.site_id].site
        item.attempts += 1
        item.updated_at = now
        reason = skip_reason(rows[item.site_id], run.direction)
        if reason:
            item.state, item.reason = ItemState.SKIPPED, f"At its turn: {reason}"
            entries.append(audit_entry(action=AuditAction.SITE_SKIPPED, site=site, run=run, outcome=item.reason))
        else:
            ready.append(item)
    events = _steps(run, [facts[item.site_id] for item in ready], now) if ready else {}
    calls = 0
    for item in ready:
        site_events = events.get(item.site_id, [])
        for event in site_events:
            event.migration_item = item
            # Paced at the configured rate: this site's calls are due after the batch's earlier ones.
            event.next_attempt_at = now + timedelta(seconds=calls / settings.MIGRATION_AXLE_CALLS_PER_S)
            calls += 1
        item.steps = [_step(event, dry_run=run.dry_run) for event in site_events]
        item.reason = ""
        if run.dry_run:
            item.state = ItemState.DONE
            item.reason = "Dry run: nothing was sent."
        else:
            item.state = ItemState.SENDING
            words = ", ".join(step["step"] for step in item.steps)
            entries.append(
                audit_entry(
                    action=AuditAction.SITE_MIGRATING, site=facts[item.site_id].site, run=run, outcome=f"Sent: {words}."
                )
            )
    if not run.dry_run:
        events_enqueue([event for item in ready for event in events.get(item.site_id, [])])
    MigrationItem.objects.bulk_update(items, ["state", "reason", "steps", "attempts", "updated_at"])
    return len(ready), len(items) - len(ready), 0 if run.dry_run else calls, entries


def _steps(run: MigrationRun, facts: list[SiteFacts], now: datetime) -> dict[int, list[AxleEvent]]:
    """Each site's steps for the run's direction, with the enrolment rows changed to match.

    A dry run builds the same steps through the same code, then rolls the enrolment rows back to
    a savepoint: it describes exactly what a real run would send, and changes nothing.
    """
    sid = transaction.savepoint() if run.dry_run else None
    if run.direction == MigrationDirection.TO_SMART_CHARGING:
        events = enrolments_request_many(
            facts, proposition=Proposition.SMART_CHARGING, override_withdrawal=run.override_withdrawal, now=now
        )
    else:
        sites = [site_facts.site for site_facts in facts]
        events = [
            *enrolments_withdraw_many(sites, proposition=Proposition.SMART_CHARGING),
            *enrolments_request_many(facts, proposition=Proposition.FLEX_LITE, override_withdrawal=False, now=now),
        ]
    if sid is not None:
        transaction.savepoint_rollback(sid)
    by_site: dict[int, list[AxleEvent]] = {}
    for event in events:
        by_site.setdefault(event.site_id, []).append(event)
    return by_site


def _step(event: AxleEvent, *, dry_run: bool) -> dict[str, str]:
    words = STEP_WORDS.get(EventKind(event.kind), event.get_kind_display())
    proposition = event.payload.get("proposition") if event.kind in (EventKind.ENROL, EventKind.UNENROL) else None
    if proposition:
        words = f"{words} ({Proposition(proposition).label})"
    charger = f" for {event.asset.ocpp_charge_point_id}" if event.asset is not None else ""
    return {"step": f"{'would ' if dry_run else ''}{words}{charger}"}


def _settle(run: MigrationRun, now: datetime) -> tuple[int, list[AuditEntry]]:
    """Items sent whose steps are all answered: done, or failed with Axle's answer to the refused step."""
    sending = run.items.filter(state=ItemState.SENDING)
    steps = AxleEvent.objects.filter(migration_item=OuterRef("pk"))
    failed = list(
        sending.filter(Exists(steps.filter(state=EventState.FAILED))).select_related("site").prefetch_related("events")
    )
    done = list(
        sending.exclude(Exists(steps.filter(state__in=(EventState.PENDING, EventState.FAILED)))).select_related("site")
    )
    entries: list[AuditEntry] = []
    for item in failed:
        refused = min((e for e in item.events.all() if e.state == EventState.FAILED), key=lambda e: e.pk)
        code = f" ({refused.last_status_code})" if refused.last_status_code else ""
        item.state = ItemState.FAILED
        item.reason = f"Axle refused “{refused.get_kind_display()}”{code}: {refused.last_error}"
        entries.append(
            audit_entry(action=AuditAction.SITE_MIGRATION_FAILED, site=item.site, run=run, outcome=item.reason)
        )
    for item in done:
        item.state, item.reason = ItemState.DONE, ""
        entries.append(
            audit_entry(
                action=AuditAction.SITE_MIGRATED, site=item.site, run=run, outcome=f"{run}: every step delivered."
            )
        )
    for item in (*failed, *done):
        item.updated_at = now
    MigrationItem.objects.bulk_update([*failed, *done], ["state", "reason", "updated_at"])
    return len(failed) + len(done), entries
