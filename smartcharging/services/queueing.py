"""Queueing follow-up work on Celery for state that is already committed."""

from __future__ import annotations

import logging
from datetime import datetime

from smartcharging.celery import app

logger = logging.getLogger(__name__)


def queue_task(task: str, *args: object, eta: datetime | None = None, sweep: str) -> bool:
    """Queue `task` by name (routed like any other), or leave it to the periodic `sweep`; whether queued.

    The work is a committed row, so a broker that is down loses nothing: the sweep finds the row.
    Say so in the log, and do not fail the page, API answer or task that asked.
    """
    try:
        app.send_task(task, args=args, eta=eta)
    except Exception:
        logger.warning("Could not queue %s%r; %s will pick it up", task, args, sweep)
        return False
    return True
