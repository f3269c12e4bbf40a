"""Sending owed readings to Axle: batched and gzip'd, each reading settled by Axle's own verdict."""

import datetime as dt
import gzip
import json
from decimal import Decimal

import pytest

from smartcharging.models import ReadingDelivery, ReadingState
from smartcharging.services.readings import (
    LEASE,
    MAX_ATTEMPTS,
    ReadingsSummary,
    readings_claim,
    readings_retry,
    readings_send,
)
from tests.factories import AssetFactory, ReadingDeliveryFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 6, 1, hour, minute, tzinfo=dt.UTC)


def keys(readings) -> list[tuple[str, str]]:
    return [(reading["asset_id"], reading["start_timestamp"]) for reading in readings]


def test_accepted_readings_are_marked_sent(axle_readings):
    first = ReadingDeliveryFactory(interval_start=at(10, 30), energy_kwh=Decimal("3.250"))
    second = ReadingDeliveryFactory(interval_start=at(10), energy_kwh=Decimal("0.000"))

    summary = readings_send(now=NOW)

    assert summary == ReadingsSummary(sent=2, requests=1)
    for delivery in (first, second):
        delivery.refresh_from_db()
        assert (delivery.state, delivery.sent_at, delivery.attempts, delivery.last_error) == (
            ReadingState.SENT,
            NOW,
            1,
            "",
        )
    assert readings_send(now=NOW + dt.timedelta(hours=1)) == ReadingsSummary()


def test_the_body_is_gzip_json_with_one_reading_per_half_hour_oldest_first(axle_readings):
    later = ReadingDeliveryFactory(interval_start=at(10, 30), energy_kwh=Decimal("3.250"))
    earlier = ReadingDeliveryFactory(interval_start=at(10), energy_kwh=Decimal("1.5"))

    readings_send(now=NOW)

    (call,) = [call for call in axle_readings.mock.calls if call.request.url.endswith("/data/readings")]
    assert call.request.headers["Content-Encoding"] == "gzip"
    assert call.request.headers["Authorization"].startswith("Bearer ")
    assert json.loads(gzip.decompress(call.request.body)) == {
        "readings": [
            {
                "asset_id": str(earlier.asset.axle_asset_id),
                "start_timestamp": "2027-06-01T10:00:00+00:00",
                "end_timestamp": "2027-06-01T10:30:00+00:00",
                "value": 1.5,
                "label": "charger_consumption_energy_kwh",
            },
            {
                "asset_id": str(later.asset.axle_asset_id),
                "start_timestamp": "2027-06-01T10:30:00+00:00",
                "end_timestamp": "2027-06-01T11:00:00+00:00",
                "value": 3.25,
                "label": "charger_consumption_energy_kwh",
            },
        ]
    }


def test_a_partly_refused_batch_is_settled_reading_by_reading(axle_readings):
    accepted, refused, busy = (ReadingDeliveryFactory(interval_start=at(10)) for _ in range(3))
    axle_readings.refuse[str(refused.asset.axle_asset_id)] = "Reading overlaps an existing reading"
    axle_readings.refuse[str(busy.asset.axle_asset_id)] = "Storage temporarily unavailable, try again later"

    summary = readings_send(now=NOW)

    assert summary == ReadingsSummary(sent=1, refused=1, retrying=1, requests=1)
    for delivery in (accepted, refused, busy):
        delivery.refresh_from_db()
    assert accepted.state == ReadingState.SENT
    assert (refused.state, refused.last_error, refused.attempts) == (
        ReadingState.REFUSED,
        "Reading overlaps an existing reading",
        1,
    )
    assert (busy.state, busy.attempts, busy.last_error) == (
        ReadingState.PENDING,
        1,
        "Storage temporarily unavailable, try again later",
    )
    assert NOW + dt.timedelta(minutes=2, seconds=30) <= busy.next_attempt_at <= NOW + dt.timedelta(minutes=5)

    # Axle has recovered by the next run; only the reading refused for now goes again.
    axle_readings.refuse.clear()
    assert readings_send(now=NOW + dt.timedelta(minutes=5)) == ReadingsSummary(sent=1, requests=1)
    assert keys(axle_readings.bodies[1]["readings"]) == [(str(busy.asset.axle_asset_id), "2027-06-01T10:00:00+00:00")]


def test_axle_down_for_the_whole_batch_loses_nothing_and_delivers_after_the_backoff(axle_readings):
    deliveries = [ReadingDeliveryFactory(interval_start=at(10)) for _ in range(4)]
    axle_readings.outage = [(503, {})]

    summary = readings_send(now=NOW)

    assert summary == ReadingsSummary(retrying=4, requests=1)
    rows = ReadingDelivery.objects.all()
    assert {(row.state, row.attempts) for row in rows} == {(ReadingState.PENDING, 1)}
    assert all("Axle answered 503" in row.last_error for row in rows)
    assert all(NOW < row.next_attempt_at <= NOW + dt.timedelta(minutes=5) for row in rows)
    # Not yet due: nothing is sent before the backoff.
    assert readings_send(now=NOW + dt.timedelta(minutes=1)) == ReadingsSummary()

    assert readings_send(now=NOW + dt.timedelta(minutes=5)) == ReadingsSummary(sent=4, requests=1)
    assert set(ReadingDelivery.objects.values_list("state", "attempts", "last_error")) == {(ReadingState.SENT, 2, "")}
    assert sorted(keys(axle_readings.bodies[1]["readings"])) == sorted(
        (str(d.asset.axle_asset_id), "2027-06-01T10:00:00+00:00") for d in deliveries
    )


def test_axles_retry_after_is_the_shortest_wait(axle_readings):
    ReadingDeliveryFactory(interval_start=at(10))
    axle_readings.outage = [(429, {"Retry-After": "1800"})]

    readings_send(now=NOW)

    assert ReadingDelivery.objects.get().next_attempt_at == NOW + dt.timedelta(minutes=30)


def test_when_axle_is_down_the_run_stops_after_one_failed_request(axle_readings):
    for _ in range(25):
        ReadingDeliveryFactory(interval_start=at(10))
    axle_readings.outage = [(503, {})] * 3

    summary = readings_send(now=NOW, batch_size=10)

    # The other 15 were not tried: they stay due, with no attempt counted against them.
    assert summary == ReadingsSummary(retrying=10, requests=1)
    assert ReadingDelivery.objects.filter(attempts=0, next_attempt_at__lte=NOW).count() == 15


def test_after_an_outage_every_missed_half_hour_goes_out_oldest_first_and_once(axle_readings):
    deliveries = [
        ReadingDeliveryFactory(asset=asset, interval_start=at(6) + dt.timedelta(minutes=30 * i))
        for asset in (AssetFactory(axle_asset_id=f"00000000-0000-0000-0000-00000000000{n}") for n in range(3))
        for i in range(12)
    ]
    # Six hours of Axle answering 503, with the job running every five minutes.
    axle_readings.outage = [(503, {})] * 1000
    for minutes in range(0, 6 * 60, 5):
        readings_send(now=at(6, 30) + dt.timedelta(minutes=minutes), batch_size=10)
    failed_requests = len(axle_readings.bodies)
    axle_readings.outage = []

    summary = readings_send(now=at(13, 30), batch_size=10)

    assert summary == ReadingsSummary(sent=36, requests=4)
    delivered = axle_readings.readings[sum(len(body["readings"]) for body in axle_readings.bodies[:failed_requests]) :]
    assert sorted(keys(delivered)) == sorted(
        (str(d.asset.axle_asset_id), d.interval_start.isoformat()) for d in deliveries
    )
    assert [reading["start_timestamp"] for reading in delivered] == sorted(
        reading["start_timestamp"] for reading in delivered
    )
    assert not ReadingDelivery.objects.exclude(state=ReadingState.SENT).exists()


def test_one_poison_reading_does_not_sink_its_batch(axle_readings):
    deliveries = [ReadingDeliveryFactory(interval_start=at(10)) for _ in range(10)]
    poison = deliveries[6]
    axle_readings.poison.add(str(poison.asset.axle_asset_id))

    summary = readings_send(now=NOW)

    assert (summary.sent, summary.refused, summary.retrying) == (9, 1, 0)
    assert summary.requests == len(axle_readings.bodies) <= 9
    poison.refresh_from_db()
    assert poison.state == ReadingState.REFUSED
    assert poison.last_error == "Axle answered 422: readings.0.value: value is not a valid float"
    assert ReadingDelivery.objects.filter(state=ReadingState.SENT).count() == 9
    accepted = [keys(body["readings"]) for body in axle_readings.bodies if len(body["readings"]) < 10]
    assert len({key for body in accepted for key in body}) == 10  # every reading tried, none lost


def test_a_claimed_batch_is_not_sent_by_another_worker(axle_readings):
    for _ in range(8):
        ReadingDeliveryFactory(interval_start=at(10))
    claimed = readings_claim(now=NOW, batch_size=5)  # another worker, still sending these

    summary = readings_send(now=NOW)

    assert summary == ReadingsSummary(sent=3, requests=1)
    claimed_ids = {row.id for row in claimed}
    assert not ReadingDelivery.objects.filter(pk__in=claimed_ids, state=ReadingState.SENT).exists()
    sent_keys = set(keys(axle_readings.readings))
    assert not sent_keys & {(str(row.axle_asset_id), row.interval_start.isoformat()) for row in claimed}
    # That worker died: once its lease runs out, the readings are sent after all.
    assert readings_send(now=NOW + LEASE) == ReadingsSummary(sent=5, requests=1)


def test_a_reading_axle_keeps_refusing_for_now_is_handed_to_an_admin(axle_readings):
    delivery = ReadingDeliveryFactory(interval_start=at(10), attempts=MAX_ATTEMPTS - 1)
    axle_readings.refuse[str(delivery.asset.axle_asset_id)] = "Rate limit exceeded for asset"

    assert readings_send(now=NOW) == ReadingsSummary(refused=1, requests=1)

    delivery.refresh_from_db()
    assert delivery.state == ReadingState.REFUSED
    assert delivery.last_error == f"Rate limit exceeded for asset (still refused after {MAX_ATTEMPTS} attempts)"


def test_a_reading_axle_gives_no_verdict_on_is_retried(axle_readings):
    delivery = ReadingDeliveryFactory(interval_start=at(10))
    axle_readings.silent.add(str(delivery.asset.axle_asset_id))

    assert readings_send(now=NOW) == ReadingsSummary(retrying=1, requests=1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (ReadingState.PENDING, 1)
    assert delivery.last_error == "Axle's answer had no verdict on this reading."


def test_a_charger_axle_has_not_onboarded_yet_waits_without_counting_attempts(axle_readings):
    waiting = ReadingDeliveryFactory(asset=AssetFactory(axle_asset_id=None), interval_start=at(10))
    known = ReadingDeliveryFactory(interval_start=at(10, 30))

    assert readings_send(now=NOW) == ReadingsSummary(sent=1, retrying=1, requests=1)

    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts, waiting.next_attempt_at) == (
        ReadingState.PENDING,
        0,
        NOW + dt.timedelta(hours=1),
    )
    assert "no asset id" in waiting.last_error
    assert keys(axle_readings.readings) == [(str(known.asset.axle_asset_id), "2027-06-01T10:30:00+00:00")]


def test_a_run_starts_no_new_batch_after_its_time_budget(axle_readings):
    for _ in range(3):
        ReadingDeliveryFactory(interval_start=at(10))

    assert readings_send(now=NOW, budget=dt.timedelta(0)) == ReadingsSummary()
    assert readings_send(now=NOW) == ReadingsSummary(sent=3, requests=1)


def test_refused_platform_credentials_stop_the_run_and_keep_the_readings(axle_readings):
    ReadingDeliveryFactory(interval_start=at(10))
    axle_readings.mock.replace("POST", "https://axle.test/auth/token-form", status=401, json={"detail": "bad"})

    assert readings_send(now=NOW) == ReadingsSummary(retrying=1, requests=1)
    delivery = ReadingDelivery.objects.get()
    assert delivery.state == ReadingState.PENDING
    assert "credentials" in delivery.last_error


def test_send_again_makes_refused_readings_due_with_a_fresh_count(axle_readings):
    refused = ReadingDeliveryFactory(
        interval_start=at(10), state=ReadingState.REFUSED, attempts=MAX_ATTEMPTS, last_error="Bad value"
    )
    sent = ReadingDeliveryFactory(interval_start=at(10), state=ReadingState.SENT)

    assert readings_retry(ids=[refused.pk, sent.pk], now=NOW) == 1

    refused.refresh_from_db()
    assert (refused.state, refused.attempts, refused.next_attempt_at) == (ReadingState.PENDING, 0, NOW)
    assert readings_send(now=NOW) == ReadingsSummary(sent=1, requests=1)
    sent.refresh_from_db()
    assert sent.state == ReadingState.SENT
