"""Handing stored schedules to a worker to apply: one queued task for many schedules.

A market re-optimisation pushes a schedule for every enrolled charger at once. A Celery task per
schedule would cost each push a publish (two Redis round trips and kombu's work) and fill the queue
with thousands of messages; instead a push only makes sure that one "apply the pending schedules"
task is queued, with one atomic cache add (SET NX on Redis).

Nothing is lost in between: the task clears the flag *before* it reads the pending schedules, so a
schedule committed after that read queues the next task, and one committed before it is read. A
flag whose task was lost expires after APPLY_QUEUED_TTL_S, and the pending-schedules sweep applies
whatever waited.
"""

from __future__ import annotations

from django.core.cache import cache

from .queueing import queue_task

APPLY_QUEUED = "schedules:apply-queued"
APPLY_QUEUED_TTL_S = 60
APPLY_TASK = "chargers.apply_pending_schedules"


def apply_queue_kick() -> None:
    """Make sure a worker will apply the pending schedules (call once the schedule is committed)."""
    if not cache.add(APPLY_QUEUED, True, timeout=APPLY_QUEUED_TTL_S):
        return  # a queued task that has not started yet will read this schedule
    if not queue_task(APPLY_TASK, sweep="the pending-schedules sweep"):
        cache.delete(APPLY_QUEUED)  # the broker is down: let the next schedule try again


def apply_queue_taken() -> None:
    """The queued task has started: a schedule committed from now on must queue another."""
    cache.delete(APPLY_QUEUED)
