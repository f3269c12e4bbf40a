"""The Flex Lite to Smart Charging migration at scale: the admin sites list, preparing a run, its batches.

    .venv/bin/python bench/migration.py [--sites 50000] [--small 1000] [--batches 20]
                                        [--batch-sizes 100 500] [--rate 50]

On a throwaway database (PostgreSQL when DATABASE_URL says so; on SQLite, pass a smaller --sites
for a quick check), it bulk-creates N Flex Lite sites known to Axle, one charger each, in a mix:
80% ready for Smart Charging, and 5% each missing a tariff, with the charger offline, not eligible
at Axle, and already on Smart Charging. Then it measures, against the issue's targets:

1. The admin sites list (/admin/chargers/site/, every readiness check a column), unfiltered and
   filtered on readiness and product, through Django's test client as a logged-in superuser:
   median wall time of 5 runs after a warm-up, and the queries, at --small sites and again at N.
   Target: under 1 s each, and the same number of queries at both sizes.
2. Preparing a migration of all N as an admin does it: the "Migrate to Smart Charging" action
   with "select all N sites" (select_across), then the run's confirmation page.
   Target: under 30 s for both.
3. The run's batches once started (migration_start), at two batch sizes: per batch its queries,
   its wall time and its pacing (its events due 1/rate s apart, the next batch due calls/rate s
   later). Target: the configured Axle call rate (MIGRATION_AXLE_CALLS_PER_S), the same number of
   queries per batch whatever its size, and a batch far shorter than the interval it paces.

Batches call no Axle: they write each site's steps as outbox rows, which a separate worker
delivers (bench/outbox.py measures that), so no Axle server is needed. The delivery and batch
tasks they queue go to an in-memory broker (unless CELERY_BROKER_URL says otherwise): they name
sites of the throwaway database, and a local worker on the real database must never receive them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import django_setup, throwaway_database

os.environ.setdefault("CELERY_BROKER_URL", "memory://localhost/")
warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: the bench needs no collectstatic
django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Household, User  # noqa: E402
from chargers.models import Asset, ChargerState, Site  # noqa: E402
from chargers.validators import mpan_check_digit  # noqa: E402
from smartcharging.models import (  # noqa: E402
    AxleEvent,
    ChargingIntent,
    Enrolment,
    EnrolmentStatus,
    ItemState,
    MigrationItem,
    MigrationRun,
    Proposition,
    SiteEligibility,
    Tariff,
    TariffType,
)
from smartcharging.services.migration import migration_start  # noqa: E402
from smartcharging.services.migration_batches import migration_batch  # noqa: E402

# The bench's sessions and cache entries stay out of the cache a local run of the product shares;
# the pages render without collectstatic.
settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CHUNK = 5000
CONSENT_AT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
LIST_URL = "/admin/chargers/site/"
LISTS = ("", "?readiness=ready", "?readiness=missing_tariff", "?product=flex&readiness=missing_charger_online")
LIST_TARGET_S = 1.0
PREPARE_TARGET_S = 30.0
# A batch may take at most this share of the interval it paces: the worker keeps the rate with room to spare.
BATCH_SHARE = 0.2

# Of every 20 sites: 16 ready (80%), then one each of the rest (5% each).
KINDS = ("ready",) * 16 + ("missing_tariff", "offline", "not_eligible", "on_smart_charging")
KIND_WORDS = {
    "ready": "ready",
    "missing_tariff": "missing a tariff",
    "offline": "charger offline",
    "not_eligible": "not eligible at Axle",
    "on_smart_charging": "already on Smart Charging",
}


def kind(i: int) -> str:
    return KINDS[i % len(KINDS)]


def _mpan(i: int) -> str:
    first_twelve = f"16{i:010d}"
    return first_twelve + str(mpan_check_digit(first_twelve))


def populate(first: int, last: int) -> None:
    """Sites first..last-1 (a household and one charger each), as the readiness checks meet them."""
    for start in range(first, last, CHUNK):
        numbers = range(start, min(start + CHUNK, last))
        households = Household.objects.bulk_create([Household(name=f"Bench household {i}") for i in numbers])
        sites = Site.objects.bulk_create(
            [
                Site(
                    household_id=household.pk,
                    street_address=f"{i + 1} Bench Road, London",
                    postcode="SW1A 1AA",
                    mpan=_mpan(i),
                    timezone="Europe/London",
                    axle_site_id=uuid.uuid4(),
                    meter_consent_at=CONSENT_AT,
                )
                for i, household in zip(numbers, households, strict=True)
            ]
        )
        assets = Asset.objects.bulk_create(
            [
                Asset(
                    site_id=site.pk,
                    ocpp_charge_point_id=f"BENCH{i:07d}",
                    external_id=f"bench_{i:07d}",
                    make="Zappi",
                    model="v2.1",
                    installation_date=dt.date(2024, 5, 1),
                    rated_power_kw=Decimal("7.4"),
                    axle_asset_id=uuid.uuid4(),
                )
                for i, site in zip(numbers, sites, strict=True)
            ]
        )
        Tariff.objects.bulk_create(
            [
                Tariff(
                    site_id=site.pk,
                    tariff_type=TariffType.DUAL_RATE,
                    name="Octopus Go",
                    off_peak_windows="23:30-05:30",
                    peak_rate_pence=Decimal("27.50"),
                    off_peak_rate_pence=Decimal("8.50"),
                )
                for i, site in zip(numbers, sites, strict=True)
                if kind(i) != "missing_tariff"
            ]
        )
        ChargingIntent.objects.bulk_create(
            [
                ChargingIntent(asset_id=asset.pk, energy_required_kwh=Decimal("30"), ready_by_local_time=dt.time(7))
                for asset in assets
            ]
        )
        ChargerState.objects.bulk_create(
            [
                ChargerState(asset_id=asset.pk, connected=kind(i) != "offline", allowed_rate_units="Current,Power")
                for i, asset in zip(numbers, assets, strict=True)
            ]
        )
        SiteEligibility.objects.bulk_create(
            [
                SiteEligibility(
                    site_id=site.pk, smart_charging=kind(i) != "not_eligible", flex_lite=True, checked_at=NOW
                )
                for i, site in zip(numbers, sites, strict=True)
            ]
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    site_id=site.pk,
                    proposition=proposition,
                    status=EnrolmentStatus.ENROLLED,
                    requested_at=NOW - dt.timedelta(days=90),
                    enrolled_at=NOW - dt.timedelta(days=90),
                )
                for i, site in zip(numbers, sites, strict=True)
                for proposition in (
                    (Proposition.FLEX_LITE, Proposition.SMART_CHARGING)
                    if kind(i) == "on_smart_charging"
                    else (Proposition.FLEX_LITE,)
                )
            ]
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def timed(call: Callable[[], Any]) -> tuple[float, int, Any]:
    """(wall seconds, queries, result) of one call."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def measure_lists(client: Client) -> dict[str, tuple[float, int]]:
    """Per list: the median wall time of 5 GETs after a warm-up, and its queries."""
    figures = {}
    for query in LISTS:
        url = LIST_URL + query
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
        runs = [timed(partial(client.get, url)) for _ in range(5)]
        counts = {n for _, n, _ in runs}
        assert len(counts) == 1, (url, counts)
        figures[query] = (statistics.median(s for s, _, _ in runs), counts.pop())
    return figures


def print_lists(small: int, n: int, before: dict[str, tuple[float, int]], after: dict[str, tuple[float, int]]) -> bool:
    print(f"1. Admin sites list, median of 5 GETs after a warm-up; target < {LIST_TARGET_S:.0f} s, queries constant")
    ok = True
    for query in LISTS:
        (small_s, small_q), (big_s, big_q) = before[query], after[query]
        passed = big_s < LIST_TARGET_S and small_q == big_q
        ok &= passed
        print(
            f"   {LIST_URL + query:<70} {small:>6} sites: {small_s:6.3f} s {small_q:3d} queries | "
            f"{n:>6} sites: {big_s:6.3f} s {big_q:3d} queries  {verdict(passed)}"
        )
    return ok


def prepare(client: Client, n: int) -> tuple[bool, int]:
    """The admin's "select all N sites", then "Migrate to Smart Charging…", then the confirmation page."""
    any_pk = Site.objects.values_list("pk", flat=True).first()
    form = {"action": "migrate_to_smart_charging", "select_across": "1", "index": "0", "_selected_action": [any_pk]}
    action_s, action_q, response = timed(lambda: client.post(LIST_URL, form))
    assert response.status_code == 302, response.status_code
    run_url = response["Location"]
    page_s, page_q, page = timed(lambda: client.get(run_url))
    assert page.status_code == 200, page.status_code
    run = MigrationRun.objects.get(pk=int(run_url.rstrip("/").split("/")[-2]))
    counts = Counter(run.items.values_list("state", flat=True))
    planned, skipped = counts[ItemState.PLANNED], counts[ItemState.SKIPPED]
    expected_planned = sum(kind(i) == "ready" for i in range(n))
    assert planned + skipped == n, counts
    assert planned == expected_planned, (counts, expected_planned)
    total = action_s + page_s
    print(f"2. Preparing a migration of all {n} sites; target < {PREPARE_TARGET_S:.0f} s")
    print(
        f"   POST {LIST_URL} action=migrate_to_smart_charging select_across=1: {action_s:6.2f} s {action_q:3d} queries"
    )
    print(f"   GET  {run_url} (confirmation, first page): {page_s:6.2f} s {page_q:3d} queries")
    print(f"   total {total:.2f} s  {verdict(total < PREPARE_TARGET_S)}; {planned} planned, {skipped} skipped:")
    reasons = Counter(run.items.filter(state=ItemState.SKIPPED).values_list("reason", flat=True))
    for reason, count in reasons.most_common():
        print(f"     {count:>6}  {reason}")
    return total < PREPARE_TARGET_S, run.pk


def run_batches(
    run_id: int, *, sites: int, rate: float, batches: int, now: dt.datetime, warm_up: bool
) -> tuple[bool, set[int]]:
    """`batches` batches of `sites` sites at `rate` Axle calls a second, on a clock moved as the run asks."""
    settings.MIGRATION_BATCH_SITES = sites
    settings.MIGRATION_AXLE_CALLS_PER_S = rate
    print(
        f"   MIGRATION_BATCH_SITES={sites} MIGRATION_AXLE_CALLS_PER_S={rate:g}; "
        f"target: events 1/rate s apart, calls/next_batch_in_s = rate, wall < {BATCH_SHARE:.0%} of the interval"
    )
    ok, query_counts = True, set()
    for number in range(0 if warm_up else 1, batches + 1):
        last_event = AxleEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        seconds, queries, outcome = timed(partial(migration_batch, run_id=run_id, now=now))
        due = list(AxleEvent.objects.filter(pk__gt=last_event).order_by("pk").values_list("next_attempt_at", flat=True))
        if outcome.next_batch_in_s is None or not due:
            print(f"   batch {number}: the run has no queued site left")
            break
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(due)]
        even = (due[0] - now).total_seconds() == 0 and all(abs(gap - 1 / rate) < 1e-5 for gap in gaps)
        implied = len(due) / outcome.next_batch_in_s
        paced = even and abs(implied - rate) < 1e-6 and seconds < outcome.next_batch_in_s * BATCH_SHARE
        if number:  # batch 0 warms the process up (imports, caches), as a long-lived worker is
            ok &= paced
            query_counts.add(queries)
        print(
            f"   batch {number or 'warm-up':>2}: {outcome.sent} sites sent, {outcome.skipped} skipped, "
            f"{len(due)} calls; "
            f"{queries} queries, {seconds:5.3f} s; events due from +{(due[0] - now).total_seconds():g} s, "
            f"{min(gaps, default=0):.3f}-{max(gaps, default=0):.3f} s apart; "
            f"next batch in {outcome.next_batch_in_s:.2f} s -> {implied:g} calls/s (configured {rate:g})  "
            f"{verdict(paced) if number else '(not judged)'}"
        )
        now += dt.timedelta(seconds=outcome.next_batch_in_s)
    return ok, query_counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=1000, help="the smaller list, for the query count")
    parser.add_argument("--batches", type=int, default=20, help="batches run at each batch size")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--rate", type=float, default=50.0, help="MIGRATION_AXLE_CALLS_PER_S")
    args = parser.parse_args()
    n, small = args.sites, min(args.small, args.sites)
    with throwaway_database():
        admin = User.objects.create_superuser("bench-admin@operator.example", "bench")
        client = Client()
        client.force_login(admin)

        started = time.perf_counter()
        populate(0, small)
        small_setup_s = time.perf_counter() - started
        before = measure_lists(client)
        started = time.perf_counter()
        populate(small, n)
        setup_s = small_setup_s + time.perf_counter() - started
        mix = Counter(kind(i) for i in range(n))
        print(
            f"database={connection.vendor} sites={n} ("
            + ", ".join(f"{mix[k]} {KIND_WORDS[k]}" for k in KIND_WORDS)
            + f"), one charger each; setup_seconds={setup_s:.1f}"
        )
        after = measure_lists(client)
        results = [print_lists(small, n, before, after)]

        prepared, run_id = prepare(client, n)
        results.append(prepared)

        start_s, start_q, _ = timed(lambda: migration_start(run_id=run_id, actor=admin))
        print(f"3. Batches, after migration_start ({start_s:.2f} s, {start_q} queries) queued the planned sites")
        now, counts = NOW, {}
        for index, sites in enumerate(args.batch_sizes):
            paced, counts[sites] = run_batches(
                run_id, sites=sites, rate=args.rate, batches=args.batches, now=now, warm_up=index == 0
            )
            results.append(paced)
            now = max(MigrationRun.objects.get(pk=run_id).next_batch_at or now, now)
        constant = len(set().union(*counts.values())) == 1
        per_size = ", ".join(f"{sites} sites: {sorted(c)}" for sites, c in counts.items())
        if connection.vendor == "sqlite":
            # Django splits a bulk insert or update into statements of at most 999 parameters there.
            print(f"   queries per batch by batch size: {per_size}  (SQLite splits bulk writes; checked on PostgreSQL)")
        else:
            results.append(constant)
            print(f"   queries per batch by batch size: {per_size}  {verdict(constant)}")
        sending = MigrationItem.objects.filter(run_id=run_id, state=ItemState.SENDING).count()
        print(f"   {sending} sites sent, their {AxleEvent.objects.count()} steps waiting in the outbox for delivery")
        print(f"overall: {verdict(all(results))}")


if __name__ == "__main__":
    main()
