"""Migrating sites between Flex Lite and Smart Charging: prepare, confirm, cancel, retry.

Preparing checks every selected site against the readiness checklist and records, per site,
whether it will be migrated or why it is skipped; nothing is sent. Starting queues the planned
sites; the batches (`migration_batches`) then do the work in the background. Only one active
migration may hold a site: the database refuses a second (see MigrationItem's constraints).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from chargers.models import Site
from smartcharging.models import (
    ACTIVE_ITEM_STATES,
    AuditAction,
    AxleEvent,
    ItemState,
    MigrationDirection,
    MigrationItem,
    MigrationRun,
    Proposition,
    RunState,
)
from smartcharging.readiness import CHECKS, missing, readiness_annotations

from .audit import Actor, actor_user, audit_record
from .queueing import queue_task

PREPARE_CHUNK = 2000


class MigrationRefused(Exception):
    """The admin asked for something the migration cannot do; the message says why, in words."""


def planning_rows(sites: QuerySet[Site], *, except_run: MigrationRun | None = None) -> QuerySet[Site, dict[str, Any]]:
    """Per site: its id, every readiness check, its product, and the run already holding it (if any)."""
    holding = MigrationItem.objects.filter(site_id=OuterRef("pk"), state__in=ACTIVE_ITEM_STATES)
    if except_run is not None:
        holding = holding.exclude(run=except_run)
    annotated = sites.order_by().annotate(**readiness_annotations(), held_by=Subquery(holding.values("run_id")[:1]))
    rows: QuerySet[Site, dict[str, Any]] = annotated.values(
        "pk", "product", "held_by", *(f"ready_{check.key}" for check in CHECKS)
    )
    return rows


def skip_reason(row: Mapping[str, Any], direction: MigrationDirection | str) -> str:
    """Why the site cannot take part ("" if it can), in words an admin can act on."""
    if row["held_by"]:
        return f"Already in migration #{row['held_by']}, which is still running."
    if direction == MigrationDirection.TO_SMART_CHARGING:
        if row["product"] == Proposition.SMART_CHARGING:
            return "Already on Smart Charging: nothing to do."
        lacking = missing(row)
        return f"Not ready: {'; '.join(lacking)}." if lacking else ""
    if row["product"] != Proposition.SMART_CHARGING:
        return "Not on Smart Charging: nothing to roll back."
    if not row["ready_consent"]:
        return "Not ready: no meter consent recorded (Flex Lite needs it too)."
    return ""


@transaction.atomic
def migration_prepare(*, sites: QuerySet[Site], direction: MigrationDirection, actor: Actor) -> MigrationRun:
    """A draft run with every selected site planned or skipped (and why); nothing is sent yet."""
    run = MigrationRun.objects.create(direction=direction, created_by=actor_user(actor))
    selected = Site.objects.filter(pk__in=sites.order_by().values("pk"))
    now = timezone.now()
    items: list[MigrationItem] = []
    for row in planning_rows(selected).order_by("pk").iterator(chunk_size=PREPARE_CHUNK):
        reason = skip_reason(row, direction)
        state = ItemState.SKIPPED if reason else ItemState.PLANNED
        items.append(MigrationItem(run=run, site_id=row["pk"], state=state, reason=reason, updated_at=now))
    MigrationItem.objects.bulk_create(items, batch_size=PREPARE_CHUNK)
    planned = sum(item.state == ItemState.PLANNED for item in items)
    audit_record(
        action=AuditAction.MIGRATION_PREPARED,
        actor=actor,
        run=run,
        outcome=f"{run}: {planned} site(s) planned, {len(items) - planned} skipped.",
    )
    return run


def migration_start(
    *, run_id: int, actor: Actor, dry_run: bool = False, override_withdrawal: bool = False
) -> MigrationRun:
    """Confirm a prepared run: its planned sites are queued and the first batch is queued.

    A dry run goes through every site as a real run would and records what it would send,
    sending nothing. `override_withdrawal` re-enrols users who withdrew from Smart Charging
    earlier; only for a migration to Smart Charging, and only when the admin asks for it.
    """
    with transaction.atomic():
        run = MigrationRun.objects.select_for_update().get(pk=run_id)
        if run.state != RunState.DRAFT:
            raise MigrationRefused(f"{run} is {run.get_state_display().lower()}; only a prepared one can start.")
        queued = _hold_sites(run, ItemState.PLANNED)
        if queued == 0:
            raise MigrationRefused(f"{run} has no site to migrate: every selected site was skipped.")
        run.state, run.started_by, run.started_at = RunState.RUNNING, actor_user(actor), timezone.now()
        run.dry_run = dry_run
        run.override_withdrawal = override_withdrawal and run.direction == MigrationDirection.TO_SMART_CHARGING
        run.save(update_fields=["state", "started_by", "started_at", "dry_run", "override_withdrawal"])
        flags = ((run.dry_run, "dry run"), (run.override_withdrawal, "override_withdrawal"))
        options = ", ".join(text for flag, text in flags if flag)
        audit_record(
            action=AuditAction.MIGRATION_STARTED,
            actor=actor,
            run=run,
            outcome=f"{queued} site(s) queued{f' ({options})' if options else ''}.",
        )
        transaction.on_commit(lambda: queue_batch(run.pk))
        return run


def migration_cancel(*, run_id: int, actor: Actor) -> MigrationRun:
    """Stop a run: sites not yet sent are left as they are; sites already sent finish their steps."""
    with transaction.atomic():
        run = MigrationRun.objects.select_for_update().get(pk=run_id)
        if run.state not in (RunState.DRAFT, RunState.RUNNING):
            raise MigrationRefused(f"{run} is {run.get_state_display().lower()}: there is nothing to cancel.")
        waiting = (ItemState.PLANNED, ItemState.QUEUED)
        cancelled = run.items.filter(state__in=waiting).update(state=ItemState.CANCELLED, updated_at=timezone.now())
        run.state = RunState.CANCELLED
        run.save(update_fields=["state"])
        audit_record(
            action=AuditAction.MIGRATION_CANCELLED,
            actor=actor,
            run=run,
            outcome=f"{cancelled} site(s) not yet sent were left as they are.",
        )
        return run


def migration_retry_failed(*, run_id: int, actor: Actor) -> MigrationRun:
    """Queue the run's failed sites again (each is checked for readiness again in its batch)."""
    with transaction.atomic():
        run = MigrationRun.objects.select_for_update().get(pk=run_id)
        if run.state not in (RunState.RUNNING, RunState.FINISHED):
            raise MigrationRefused(f"{run} is {run.get_state_display().lower()}; only a started one can retry.")
        # The last attempt's steps stay in the outbox and its failure in the audit trail; the item
        # is judged by its new steps only.
        AxleEvent.objects.filter(migration_item__run=run, migration_item__state=ItemState.FAILED).update(
            migration_item=None
        )
        retried = _hold_sites(run, ItemState.FAILED)
        if retried == 0:
            raise MigrationRefused(f"{run} has no failed site to retry.")
        run.state, run.finished_at = RunState.RUNNING, None
        run.save(update_fields=["state", "finished_at"])
        audit_record(
            action=AuditAction.MIGRATION_RETRIED, actor=actor, run=run, outcome=f"{retried} site(s) queued again."
        )
        transaction.on_commit(lambda: queue_batch(run.pk))
        return run


def queue_batch(run_id: int, *, delay_s: float = 0) -> None:
    eta = timezone.now() + timedelta(seconds=delay_s) if delay_s > 0 else None
    queue_task("smartcharging.migration.run_batch", run_id, eta=eta, sweep="the migrations sweep")


def _hold_sites(run: MigrationRun, state: ItemState) -> int:
    """Queue the run's items in `state`; refused, naming the run in the way, if another holds a site.

    The database's one-active-item-per-site constraint decides, so two admins starting overlapping
    migrations at the same moment cannot both win.
    """
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable for the message
            return run.items.filter(state=state).update(state=ItemState.QUEUED, updated_at=timezone.now())
    except IntegrityError:
        raise MigrationRefused(_overlap_message(run.pk, state)) from None


def _overlap_message(run_id: int, state: ItemState) -> str:
    mine = MigrationItem.objects.filter(run_id=run_id, state=state).values("site_id")
    others = sorted(
        set(
            MigrationItem.objects.filter(site_id__in=mine, state__in=ACTIVE_ITEM_STATES)
            .exclude(run_id=run_id)
            .values_list("run_id", flat=True)
        )
    )
    runs = ", ".join(f"#{other}" for other in others) or "another migration"
    return (
        f"Some of these sites are already in migration {runs}, which is still running. "
        "Wait for it to finish (or cancel it), then prepare this migration again."
    )
