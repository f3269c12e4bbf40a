"""Celery tasks for the Axle integration: thin, idempotent, each calls one service.

Names start with "smartcharging.axle." so CELERY_TASK_ROUTES sends them to the `axle` queue;
the periodic ones are scheduled in CELERY_BEAT_SCHEDULE (settings/base.py).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from smartcharging.services import delivery, eligibility, migration_batches, readings, schedule_apply
from smartcharging.services.safety_net import safety_net_sweep


@shared_task(name="smartcharging.axle.deliver_site_events", ignore_result=True)
def deliver_site_events(site_id: int) -> None:
    """Deliver the site's due events to Axle, in order; re-queues itself for a backed-off retry."""
    delivery.site_events_deliver(site_id=site_id)


@shared_task(name="smartcharging.axle.sweep_outbox", ignore_result=True)
def sweep_outbox() -> None:
    """Queue delivery for every site with a due event (nothing is lost if a queued task was)."""
    delivery.outbox_sweep(now=timezone.now())


@shared_task(name="smartcharging.axle.send_readings", ignore_result=True)
def send_readings() -> None:
    """Owe Axle each completed half hour of every Smart Charging charger, and send what is due."""
    readings.readings_run(now=timezone.now())


@shared_task(name="chargers.apply_pending_schedules", ignore_result=True)
def apply_pending_schedules() -> None:
    """Translate the stored schedules waiting for it and hand each to its charger's commands."""
    schedule_apply.schedules_apply_pending()


@shared_task(name="chargers.apply_schedule", ignore_result=True)
def apply_schedule(schedule_id: int) -> None:
    """One schedule: what pushes queued before `apply_pending_schedules` (kept for messages still queued)."""
    schedule_apply.schedule_apply(schedule_id=schedule_id)


@shared_task(name="chargers.sweep_schedules", ignore_result=True)
def sweep_schedules() -> None:
    """Apply current schedules whose queued task was lost (broker or worker down)."""
    schedule_apply.schedules_sweep(now=timezone.now())


@shared_task(name="chargers.safety_net", ignore_result=True)
def safety_net() -> None:
    """Plugged-in Smart Charging cars with no schedule from Axle, or one that would miss ready-by."""
    safety_net_sweep(now=timezone.now())


@shared_task(name="smartcharging.migration.run_batch", ignore_result=True)
def run_migration_batch(run_id: int) -> None:
    """One batch of a confirmed migration between Flex Lite and Smart Charging; queues the next."""
    migration_batches.migration_batch(run_id=run_id)


@shared_task(name="smartcharging.migration.sweep", ignore_result=True)
def sweep_migrations() -> None:
    """Resume migrations whose chain of batches stopped (a lost task, a restarted worker)."""
    migration_batches.migrations_sweep(now=timezone.now())


@shared_task(name="smartcharging.axle.check_eligibility", ignore_result=True)
def check_eligibility(site_ids: list[int]) -> None:
    """Ask Axle which propositions each site may join, and keep the answers for the readiness checks."""
    for site_id in site_ids:
        eligibility.site_eligibility_check(site_id=site_id)
