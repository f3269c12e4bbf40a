"""Writing events for Axle into the outbox, inside the transaction of the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from chargers.models import Asset, Site
from smartcharging.models import AxleEvent, EventKind, EventState
from smartcharging.models.outbox import COLLAPSIBLE_KINDS

from .queueing import queue_task


def event_enqueue(*, site: Site, kind: EventKind, payload: dict[str, Any], asset: Asset | None = None) -> AxleEvent:
    """Add an event to the site's stream; delivery is queued once the surrounding transaction commits.

    Must run inside the transaction that makes the change, so the event exists if and only if the
    change does. For a tariff or an intent, an older one of the same asset still waiting is dropped:
    only the newest matters to Axle. One being delivered right now is left alone.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("event_enqueue must run inside the transaction of the change it reports.")
    if kind in COLLAPSIBLE_KINDS:
        AxleEvent.objects.filter(
            site=site, asset=asset, kind=kind, state=EventState.PENDING, lease_token__isnull=True
        ).update(state=EventState.SUPERSEDED)
    event = AxleEvent.objects.create(site=site, asset=asset, kind=kind, payload=payload)
    transaction.on_commit(lambda: queue_delivery(site.pk))
    return event


def queue_delivery(site_id: int, *, eta: datetime | None = None) -> None:
    queue_task("smartcharging.axle.deliver_site_events", site_id, eta=eta, sweep="the outbox sweep")
