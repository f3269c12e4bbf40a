"""Outbox throughput: events delivered per second to a local Axle, against bare `requests` calls.

    .venv/bin/python bench/outbox.py [--events 2000] [--rounds 5]

Both sides make the same HTTP call to the same local server in the same run. The outbox side claims
each event under its site's lock, calls Axle through the client (shared token, timeouts, typed
errors), records the attempt and marks the event delivered. Rounds alternate bare/outbox so drift
hits both alike, and the ratio is taken per round. Writing the events (a row in the change's own
transaction, and queueing its delivery task after commit) is timed apart: the homeowner's request
pays it, not the delivery pipeline. Target (issue 3): the outbox costs at most 2x a bare request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import base_url, django_setup, local_axle, throwaway_database

# Each event queues its delivery task after commit, as in production; without Redis, an in-memory
# broker keeps the benchmark's messages away from a running local worker.
os.environ.setdefault("CELERY_BROKER_URL", os.environ.get("REDIS_URL") or "memory://")
django_setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from chargers.models import Asset  # noqa: E402
from smartcharging.models import AxleEvent, EventKind, EventState  # noqa: E402
from smartcharging.services import delivery  # noqa: E402
from smartcharging.services.outbox import event_enqueue  # noqa: E402
from tests.factories import AssetFactory  # noqa: E402

PAYLOAD = {"end_at": "2027-01-10T20:00:00+00:00"}


def bare_round(url: str, n: int) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(n):
        response = session.post(url, json=PAYLOAD, timeout=(5, 20), headers={"Authorization": "Bearer t"})
        response.raise_for_status()
    return time.perf_counter() - started


def write_events(assets: list[Asset], n: int) -> float:
    started = time.perf_counter()
    for index in range(n):
        asset = assets[index % len(assets)]
        with transaction.atomic():  # one change, one event, as a page or the gateway writes it
            event_enqueue(site=asset.site, asset=asset, kind=EventKind.CHARGE_NOW, payload=PAYLOAD)
    return time.perf_counter() - started


def deliver_events(assets: list[Asset], n: int) -> float:
    started = time.perf_counter()
    delivered = sum(delivery.site_events_deliver(site_id=asset.site_id) for asset in assets)
    assert delivered == n, f"delivered {delivered} of {n}"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sites", type=int, default=20)
    args = parser.parse_args()
    with throwaway_database(), local_axle() as server:
        settings.AXLE_BASE_URL = base_url(server)
        assets = [AssetFactory.create(axle_asset_id=uuid.uuid4()) for _ in range(args.sites)]
        url = f"{base_url(server)}/entities/asset/{assets[0].axle_asset_id}/event/charge-now"
        bare_round(url, 50)  # warm-up: connections open, token fetched, code paths loaded
        write_events(assets, 100)
        deliver_events(assets, 100)
        bare, outbox, writes, ratios = [], [], [], []
        for _ in range(args.rounds):
            writes.append(write_events(assets, args.events))
            b = bare_round(url, args.events)
            o = deliver_events(assets, args.events)
            bare.append(b)
            outbox.append(o)
            ratios.append(o / b)
        assert not AxleEvent.objects.exclude(state=EventState.DELIVERED).exists()
        n = args.events
        broker = settings.CELERY_BROKER_URL.split("://")[0]
        print(f"database={connection.vendor} broker={broker} events={n} x {args.rounds} rounds, {args.sites} sites")
        print(f"bare requests:     {n / statistics.median(bare):7.0f} events/s (median round)")
        print(f"outbox delivery:   {n / statistics.median(outbox):7.0f} events/s (median round)")
        print(
            f"outbox/bare time per event: median {statistics.median(ratios):.2f}x "
            f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x); target <= 2x"
        )
        print(f"writing an event (row + queue after commit): {statistics.median(writes) / n * 1000:.2f} ms median")


if __name__ == "__main__":
    main()
