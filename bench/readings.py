"""Half-hourly readings at scale: one completed half hour for each of N Smart Charging chargers.

    .venv/bin/python bench/readings.py [--assets 10000 100000] [--batch-size 1000]

For each N, on a throwaway database (PostgreSQL when DATABASE_URL says so), it bulk-creates N sites
enrolled in Smart Charging with one charger and one completed HalfHourEnergy each, then times
`readings_run` (collect, then send in batches) against a local server answering like Axle (gzip
bodies, a verdict per reading), counting database queries and HTTP requests. Target (the issue):
100,000 readings in under 60 s, with queries per batch constant, not per charger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import base_url, django_setup, local_axle, throwaway_database

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from chargers.models import Asset, HalfHourEnergy, Site  # noqa: E402
from chargers.validators import mpan_check_digit  # noqa: E402
from smartcharging.models import (  # noqa: E402
    Enrolment,
    EnrolmentStatus,
    Proposition,
    ReadingDelivery,
    ReadingState,
)
from smartcharging.services.readings import readings_run  # noqa: E402

# The bench's Axle token must stay out of the cache that a local run of the product shares.
settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

NOW = dt.datetime(2027, 6, 1, 12, 5, tzinfo=dt.UTC)
INTERVAL = dt.datetime(2027, 6, 1, 11, 30, tzinfo=dt.UTC)
CHUNK = 5000


def populate(n: int) -> None:
    """N enrolled sites, each with one charger Axle knows and one completed half hour to report."""
    for first in range(0, n, CHUNK):
        numbers = range(first, min(first + CHUNK, n))
        sites = Site.objects.bulk_create(
            [
                Site(
                    street_address=f"{i} Bench Road",
                    postcode="SW1A 1AA",
                    mpan=_mpan(i),
                    timezone="Europe/London",
                )
                for i in numbers
            ]
        )
        assets = Asset.objects.bulk_create(
            [
                Asset(
                    site=site,
                    ocpp_charge_point_id=f"BENCH{i:07d}",
                    external_id=f"bench_{i:07d}",
                    rated_power_kw=Decimal("7.4"),
                    axle_asset_id=uuid.uuid4(),
                )
                for i, site in zip(numbers, sites, strict=True)
            ]
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    site=site,
                    proposition=Proposition.SMART_CHARGING,
                    status=EnrolmentStatus.ENROLLED,
                    requested_at=NOW - dt.timedelta(days=30),
                )
                for site in sites
            ]
        )
        HalfHourEnergy.objects.bulk_create(
            [
                HalfHourEnergy(asset=asset, interval_start=INTERVAL, energy_kwh=Decimal(i % 7400) / 1000)
                for i, asset in zip(numbers, assets, strict=True)
            ]
        )


def _mpan(n: int) -> str:
    first_twelve = f"19{n:010d}"
    return first_twelve + str(mpan_check_digit(first_twelve))


class QueryCounter:
    """Counts the statements Django sends, without keeping their text (a bulk update is long)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def bench(n: int, batch_size: int) -> None:
    with throwaway_database(), local_axle() as server:
        settings.AXLE_BASE_URL = base_url(server)
        started = time.perf_counter()
        populate(n)
        populate_s = time.perf_counter() - started

        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            summary = readings_run(now=NOW, batch_size=batch_size)
            seconds = time.perf_counter() - started
        sent = ReadingDelivery.objects.filter(state=ReadingState.SENT).count()
        received: int = server.readings  # type: ignore[attr-defined]
        assert summary.collected == summary.sent == sent == received == n, (summary, sent, received)

        # The next run, with nothing new to owe or send: what every five minutes costs at this size.
        idle = QueryCounter()
        with connection.execute_wrapper(idle):
            started = time.perf_counter()
            readings_run(now=NOW + dt.timedelta(minutes=5), batch_size=batch_size)
            idle_s = time.perf_counter() - started

        print(
            f"database={connection.vendor} assets={n} readings={sent} seconds={seconds:.1f} "
            f"queries={counter.count} requests={server.requests} "  # type: ignore[attr-defined]
            f"(readings requests={summary.requests}, batch={batch_size}) "
            f"idle_run_seconds={idle_s:.2f} idle_queries={idle.count} setup_seconds={populate_s:.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    for n in args.assets:
        bench(n, args.batch_size)


if __name__ == "__main__":
    main()
