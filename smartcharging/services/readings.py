"""Half-hourly readings for Axle: what is owed (`readings_collect`) and getting it there (`readings_send`).

Each completed half hour of a Smart Charging charger's `HalfHourEnergy` becomes a `ReadingDelivery`
row, once. Due rows are claimed in batches, oldest interval first, posted gzip'd to `/data/readings`,
and settled from Axle's verdict on each reading: accepted rows are sent; refused ones are retried
with backoff when the reason is transient and left refused (for an admin) when it is not. Rows wait
while Axle is down and all go out, oldest first, once it is back: that is the backfill.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import connection, transaction
from django.db.models import F, Field
from django.utils import timezone

from chargers.halfhours import HALF_HOUR
from chargers.models import Asset, HalfHourEnergy
from smartcharging import axle
from smartcharging.axle.types import ReadingLabel, ReadingPayload, ReadingVerdict
from smartcharging.models import Enrolment, JobWatermark, Proposition, ReadingDelivery, ReadingState
from smartcharging.selectors import smart_charging_site_ids
from smartcharging.services.backoff import backoff_delay

logger = logging.getLogger(__name__)

READING_LABEL: ReadingLabel = "charger_consumption_energy_kwh"
BATCH_SIZE = 1000
# How far back each run looks for half hours without a delivery. Every half hour in the window
# costs an index probe each run (about 5 s for 100,000 chargers on PostgreSQL), so the window bounds
# the work of a run as the table grows by 48 rows per charger a day. Half hours older than this that
# were never collected (the job down for longer; a charger uploading samples after a long time
# offline) need a run with a longer `lookback`.
COLLECT_LOOKBACK = timedelta(hours=6)
COLLECT_WATERMARK = "readings_collect"
# Well inside CELERY_TASK_SOFT_TIME_LIMIT (240 s), so a backlog is worked through run after run.
SEND_BUDGET = timedelta(minutes=3)
# A claimed batch is not due again for this long; if the worker dies mid-send, it is then resent.
LEASE = timedelta(minutes=10)
FIRST_BACKOFF = timedelta(minutes=5)  # the periodic job runs every five minutes
MAX_BACKOFF = timedelta(hours=1)
# A reading Axle keeps refusing "for now" is handed to an admin after this many tries (about two days).
MAX_ATTEMPTS = 48
# Answers to a whole request that can come from one bad reading (or a body too large): the batch is
# split in halves to find the culprits, with at most this many requests per claimed batch.
SPLITTABLE_STATUSES = frozenset({400, 413, 422})
MAX_REQUESTS_PER_BATCH = 64
# Axle's per-reading `error` is free text; these say a later retry can help. "rate" alone would
# also match "generate" or "charging rate", so only rate-limit wordings count.
_TRANSIENT_ERROR = re.compile(
    r"temporar|try again|unavailable|time[ds]?[ -]?out|rate[ -]?limit|too many requests|throttl|overload",
    re.IGNORECASE,
)


@dataclass
class ReadingsSummary:
    """What one run did: rows collected, readings accepted, refused for good, retrying; requests made."""

    collected: int = 0
    sent: int = 0
    refused: int = 0
    retrying: int = 0
    requests: int = 0


@dataclass(frozen=True)
class ClaimedReading:
    id: int
    axle_asset_id: UUID | None  # None until Axle has onboarded the charger
    interval_start: datetime
    energy_kwh: Decimal
    attempts: int


def readings_run(*, now: datetime, batch_size: int = BATCH_SIZE) -> ReadingsSummary:
    """The periodic job: owe Axle every completed half hour, then send all that is due."""
    collected = readings_collect(now=now)
    summary = readings_send(now=now, batch_size=batch_size)
    summary.collected = collected
    logger.info("Readings run: %s", summary)
    return summary


def readings_collect(*, now: datetime, lookback: timedelta = COLLECT_LOOKBACK) -> int:
    """Create a pending delivery for each completed half hour owed to Axle; returns how many.

    Owed: the interval has ended by `now`, started within `lookback` of this run or of the last
    completed run (so a job stopped for longer than `lookback` still collects everything it
    missed), belongs to a charger at a site
    in `smart_charging_site_ids()`, started no earlier than the site asked to join Smart Charging
    (readings from before then are not Axle's), and has no delivery yet (safe to run twice).

    One INSERT ... SELECT, so the cost is one statement whatever the number of chargers; the ORM
    cannot express it. Both SQLite and PostgreSQL take `WHERE NOT EXISTS` and `ON CONFLICT DO
    NOTHING` (the latter for a concurrent run that inserted the same rows first). Names come from
    the models' `_meta`, and the Smart Charging rule from the selector itself, compiled to SQL.

    The ORDER BY is for PostgreSQL's planner: with the candidates sorted it checks NOT EXISTS with a
    merge anti-join, done before the first insert. Without it, when the table had looked empty at
    the last ANALYZE, each check re-scanned the rows the statement had inserted so far (20,000 rows:
    3 s instead of 0.3 s; 100,000: over a minute).
    """
    last_run = JobWatermark.objects.filter(name=COLLECT_WATERMARK).values_list("reached", flat=True).first()
    since = min(now, last_run) if last_run else now
    qn = connection.ops.quote_name

    def column(model: type[ReadingDelivery | HalfHourEnergy | Asset], name: str) -> str:
        concrete = model._meta.get_field(name)
        if not isinstance(concrete, Field) or not concrete.column:
            raise TypeError(f"{model.__name__}.{name} is not a column")
        return qn(concrete.column)

    def when(value: datetime) -> object:
        return connection.ops.adapt_datetimefield_value(value)

    enrolments = Enrolment.objects.filter(
        site_id__in=smart_charging_site_ids(), proposition=Proposition.SMART_CHARGING
    ).values("site_id", "requested_at")
    enrolments_sql, enrolments_params = enrolments.query.get_compiler(connection=connection).as_sql()
    rd, he, asset = ReadingDelivery, HalfHourEnergy, Asset
    insert_columns = ", ".join(
        column(rd, name)
        for name in (
            "asset",
            "interval_start",
            "energy_kwh",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
            "sent_at",
            "last_error",
        )
    )
    h_asset, h_start = f"h.{column(he, 'asset')}", f"h.{column(he, 'interval_start')}"
    sql = f"""
        INSERT INTO {qn(rd._meta.db_table)} ({insert_columns})
        SELECT {h_asset}, {h_start}, h.{column(he, "energy_kwh")}, %s, 0, %s, %s, NULL, ''
        FROM {qn(he._meta.db_table)} h
        JOIN {qn(asset._meta.db_table)} a ON a.{column(asset, "id")} = {h_asset}
        JOIN ({enrolments_sql}) e ON e.{qn("site_id")} = a.{column(asset, "site")}
        WHERE {h_start} >= %s AND {h_start} <= %s AND {h_start} >= e.{qn("requested_at")}
          AND NOT EXISTS (
            SELECT 1 FROM {qn(rd._meta.db_table)} r
            WHERE r.{column(rd, "asset")} = {h_asset} AND r.{column(rd, "interval_start")} = {h_start}
          )
        ORDER BY {h_start}, {h_asset}
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - only names from _meta and SQL compiled by Django are interpolated
    params = [
        ReadingState.PENDING.value,
        when(now),
        when(now),
        *enrolments_params,
        when(since - lookback),
        when(now - HALF_HOUR),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = max(int(cursor.rowcount), 0)
    # Moved only after the insert: a run that fails leaves the watermark where it was.
    if not JobWatermark.objects.filter(name=COLLECT_WATERMARK).update(reached=now):
        JobWatermark.objects.create(name=COLLECT_WATERMARK, reached=now)
    return created


def readings_claim(*, now: datetime, batch_size: int = BATCH_SIZE) -> list[ClaimedReading]:
    """Take up to `batch_size` due readings, oldest interval first, for this worker alone.

    The rows are locked only while their `next_attempt_at` moves a lease ahead; once committed, no
    other worker finds them due, and the HTTP call happens outside any transaction. On PostgreSQL
    `skip_locked` lets concurrent workers take the next rows instead of waiting; SQLite has one
    writer at a time anyway.
    """
    oldest_due = (
        ReadingDelivery.objects.filter(state=ReadingState.PENDING, next_attempt_at__lte=now)
        .order_by("interval_start", "asset_id")
        .values("pk")
    )
    with transaction.atomic():
        # Locking rows stops PostgreSQL from keeping only the first N of its sort (it must lock
        # before it can count), so with a long backlog every claim sorted all due rows on disk.
        # The oldest due ids are picked unlocked, bounded, then locked: twice a batch of them, so a
        # second worker skipping the first one's locked rows still finds a batch of its own.
        ids = list(
            ReadingDelivery.objects.filter(pk__in=oldest_due[: 2 * batch_size])
            .order_by("interval_start", "asset_id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return []
        ReadingDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    rows = (
        ReadingDelivery.objects.filter(pk__in=ids)
        .order_by("interval_start", "asset_id")
        .values_list("pk", "asset__axle_asset_id", "interval_start", "energy_kwh", "attempts")
    )
    return [ClaimedReading(*row) for row in rows]


def readings_send(*, now: datetime, batch_size: int = BATCH_SIZE, budget: timedelta = SEND_BUDGET) -> ReadingsSummary:
    """Send every due reading, `batch_size` per request, until none is due or Axle stops answering.

    When a whole request fails for a reason not of the readings' making (Axle down, rate limited,
    our credentials refused), the run stops: the rest stays due for the next run instead of making
    a doomed request per batch. No new batch is started after `budget`, so a long backlog ends
    cleanly within the task's time limit and the next run carries on.
    """
    summary = ReadingsSummary()
    started = time.monotonic()
    while time.monotonic() - started < budget.total_seconds():
        # Leases and backoffs count from the real time when the run has taken a while.
        clock = max(now, timezone.now())
        batch = readings_claim(now=clock, batch_size=batch_size)
        if not batch:
            break
        outcome = _Outcome(clock=clock)
        known = [row for row in batch if row.axle_asset_id is not None]
        outcome.wait_for_onboarding([row for row in batch if row.axle_asset_id is None])
        if known:
            _post(known, outcome)
        outcome.save()
        summary.sent += len(outcome.accepted)
        summary.refused += sum(row.state == ReadingState.REFUSED for row in outcome.settled)
        summary.retrying += sum(row.state == ReadingState.PENDING for row in outcome.settled)
        summary.requests += outcome.requests
        if outcome.stopped_by is not None:
            logger.warning("Readings: stopped sending for this run: %s", outcome.stopped_by)
            break
        if len(batch) < batch_size:
            break
    return summary


@transaction.atomic
def readings_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Make refused readings due again (an admin's "send again"), with a fresh count of attempts.

    The last error stays visible until Axle answers again. Returns how many rows were reset.
    """
    return ReadingDelivery.objects.filter(pk__in=list(ids), state=ReadingState.REFUSED).update(
        state=ReadingState.PENDING, attempts=0, next_attempt_at=now or timezone.now()
    )


@dataclass
class _Outcome:
    """What happened to one claimed batch, written back with a fixed number of statements."""

    clock: datetime
    accepted: list[int] = field(default_factory=list)
    settled: list[ReadingDelivery] = field(default_factory=list)  # refused, or pending with a backoff
    requests: int = 0
    stopped_by: axle.AxleError | None = None

    def back_off(self, rows: Sequence[ClaimedReading], error: str, *, retry_after: float | None = None) -> None:
        """The whole request failed: not the readings' fault, so they wait however long it takes."""
        for row in rows:
            self.settled.append(self._pending(row, error, retry_after))

    def wait_for_onboarding(self, rows: Sequence[ClaimedReading]) -> None:
        """Axle has no id for the charger yet: no attempt is counted, the reading just waits."""
        for row in rows:
            self.settled.append(
                ReadingDelivery(
                    pk=row.id,
                    state=ReadingState.PENDING,
                    attempts=row.attempts,
                    next_attempt_at=self.clock + MAX_BACKOFF,
                    last_error="Axle has no asset id for this charger yet (onboarding not finished).",
                )
            )

    def refused_transiently(self, row: ClaimedReading, error: str) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            self.refuse(row, f"{error} (still refused after {row.attempts + 1} attempts)")
        else:
            self.settled.append(self._pending(row, error, None))

    def refuse(self, row: ClaimedReading, error: str) -> None:
        self.settled.append(
            ReadingDelivery(
                pk=row.id,
                state=ReadingState.REFUSED,
                attempts=row.attempts + 1,
                next_attempt_at=self.clock,
                last_error=error,
            )
        )

    def _pending(self, row: ClaimedReading, error: str, retry_after: float | None) -> ReadingDelivery:
        attempts = row.attempts + 1
        delay = timedelta(
            seconds=backoff_delay(
                attempts,
                base_s=FIRST_BACKOFF.total_seconds(),
                cap_s=MAX_BACKOFF.total_seconds(),
                retry_after=retry_after,
            )
        )
        return ReadingDelivery(
            pk=row.id,
            state=ReadingState.PENDING,
            attempts=attempts,
            next_attempt_at=self.clock + delay,
            last_error=error,
        )

    def save(self) -> None:
        with transaction.atomic():
            if self.accepted:
                ReadingDelivery.objects.filter(pk__in=self.accepted).update(
                    state=ReadingState.SENT, sent_at=self.clock, attempts=F("attempts") + 1, last_error=""
                )
            if self.settled:
                ReadingDelivery.objects.bulk_update(
                    self.settled, ["state", "attempts", "next_attempt_at", "last_error"]
                )


def _post(rows: Sequence[ClaimedReading], outcome: _Outcome) -> None:
    """Send `rows` in one request and record each one's fate; halves the request to isolate a bad one."""
    if outcome.stopped_by is not None:
        # Axle stopped answering while a split batch was being retried: the rest waits too.
        outcome.back_off(rows, outcome.stopped_by.message, retry_after=outcome.stopped_by.retry_after)
        return
    outcome.requests += 1
    try:
        answer = axle.send_readings(readings=[_payload(row) for row in rows], gzip_body=True)
    except axle.AxleTransientError as error:
        outcome.back_off(rows, error.message, retry_after=error.retry_after)
        outcome.stopped_by = error
        return
    except axle.AxlePermanentError as error:
        if error.status_code not in SPLITTABLE_STATUSES:
            # Credentials refused, an endpoint missing, an answer we cannot read: no reading is to
            # blame and none is lost; an operator must act, and sending more would not help.
            outcome.back_off(rows, error.message)
            outcome.stopped_by = error
        elif len(rows) == 1:
            outcome.refuse(rows[0], error.message)
        elif outcome.requests >= MAX_REQUESTS_PER_BATCH:
            # Many bad readings (or a change at Axle refusing them all): keep the rest for the next
            # run rather than making thousands of requests in this one.
            outcome.back_off(rows, error.message)
        else:
            # One bad reading must not sink the batch: each half goes again, down to single readings.
            middle = len(rows) // 2
            _post(rows[:middle], outcome)
            _post(rows[middle:], outcome)
        return

    verdicts: dict[tuple[UUID | None, datetime], ReadingVerdict] = {
        (v.asset_id, v.start): v for v in answer.verdicts if v.label == READING_LABEL
    }
    for row in rows:
        verdict = verdicts.get((row.axle_asset_id, row.interval_start))
        if verdict is None:
            outcome.refused_transiently(row, "Axle's answer had no verdict on this reading.")
        elif verdict.accepted:
            outcome.accepted.append(row.id)
        elif verdict.error and _TRANSIENT_ERROR.search(verdict.error):
            outcome.refused_transiently(row, verdict.error)
        else:
            outcome.refuse(row, verdict.error or "Axle refused the reading without a reason.")


def _payload(row: ClaimedReading) -> ReadingPayload:
    if row.axle_asset_id is None:  # readings_send only posts readings of chargers Axle knows
        raise ValueError(f"Reading {row.id} has no Axle asset id")
    return {
        "asset_id": row.axle_asset_id,
        "start_timestamp": row.interval_start,
        "end_timestamp": row.interval_start + HALF_HOUR,
        "value": float(row.energy_kwh),
        "label": READING_LABEL,
    }
