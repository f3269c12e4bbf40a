"""Writing events for Axle into the outbox, inside the transaction of the change that causes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

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
    (event,) = events_enqueue([AxleEvent(site=site, asset=asset, kind=kind, payload=payload)])
    return event


def events_enqueue(events: Sequence[AxleEvent]) -> list[AxleEvent]:
    """`event_enqueue` for many events at once, in a fixed number of queries (bulk migrations).

    Events are added in the order given; within one call, a later tariff or intent for the same
    charger supersedes an earlier one only if they were written by separate calls.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("event_enqueue must run inside the transaction of the change it reports.")
    for kind in COLLAPSIBLE_KINDS:
        asset_ids = {event.asset_id for event in events if event.kind == kind and event.asset_id is not None}
        if asset_ids:
            AxleEvent.objects.filter(
                asset_id__in=asset_ids, kind=kind, state=EventState.PENDING, lease_token__isnull=True
            ).update(state=EventState.SUPERSEDED)
    created = AxleEvent.objects.bulk_create(events)
    for site_id, due in _first_due_per_site(created).items():
        transaction.on_commit(partial(queue_delivery, site_id, eta=due))
    return created


def _first_due_per_site(events: Sequence[AxleEvent]) -> dict[int, datetime | None]:
    """When each site's first new event is due (None: now), so its delivery is queued for then."""
    due: dict[int, datetime] = {}
    for event in events:
        due[event.site_id] = min(due.get(event.site_id, event.next_attempt_at), event.next_attempt_at)
    now = timezone.now()
    return {site_id: at if at > now else None for site_id, at in due.items()}


def queue_delivery(site_id: int, *, eta: datetime | None = None) -> None:
    queue_task("smartcharging.axle.deliver_site_events", site_id, eta=eta, sweep="the outbox sweep")
