"""Delivering the outbox to a fake Axle: order, retries, refusals, outages, crashes and races."""

import json
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from django.db import close_old_connections, transaction
from django.utils import timezone

from smartcharging.models import (
    AttemptOutcome,
    AxleEvent,
    AxleEventAttempt,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
)
from smartcharging.services import delivery
from smartcharging.services.enrolments import enrolment_request
from smartcharging.services.intents import intent_set
from smartcharging.services.outbox import event_enqueue
from smartcharging.services.plugs import charger_plugged_in, charger_unplugged
from tests.factories import AssetFactory, TariffFactory
from tests.smartcharging.axle import fake_axle
from tests.smartcharging.outbox.conftest import asset_url

pytestmark = pytest.mark.django_db
T0 = datetime(2027, 1, 10, 22, tzinfo=UTC)


def event_calls(axle):
    """(path tail, body) of every call made to Axle other than the token."""
    return [
        (call.request.url.rsplit("/", 1)[-1], json.loads(call.request.body or b"{}"))
        for call in axle.calls
        if not call.request.url.endswith("/auth/token-form")
    ]


def test_events_are_delivered_in_order_and_each_attempt_recorded(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), json={})
    axle.post(asset_url(smart_asset, "plug-out"), json={})
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=smart_asset, at=T0)
        charger_unplugged(asset=smart_asset, at=T0 + timedelta(hours=8))
        assert delivery.site_events_deliver(site_id=smart_asset.site_id) == 2
    assert [path for path, _ in event_calls(axle)] == ["plug-in", "plug-out"]
    assert set(AxleEvent.objects.values_list("state", flat=True)) == {EventState.DELIVERED}
    attempt = AxleEventAttempt.objects.filter(event__kind=EventKind.PLUG_IN).get()
    assert (attempt.outcome, attempt.status_code) == (AttemptOutcome.DELIVERED, 200)
    assert attempt.duration_ms >= 0


@pytest.mark.parametrize(
    ("status", "detail", "message"),
    [
        (
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "intent", "energy_required_kwh"],
                        "msg": "field required",
                        "type": "missing",
                    }
                ]
            },
            "Axle answered 422: intent.energy_required_kwh: field required",
        ),
        (400, {"detail": "Invalid ready_by"}, "Axle answered 400: Invalid ready_by"),
        (404, {"detail": "Asset not found"}, "Axle answered 404: Asset not found"),
        (
            409,
            {"detail": "Asset belongs to another site"},
            "Axle answered 409: Asset belongs to another site",
        ),
    ],
)
def test_permanent_refusal_stops_at_once_shows_axles_answer_and_the_stream_moves_on(
    smart_asset, axle, token_call, status, detail, message
):
    axle.post(asset_url(smart_asset, "intent"), status=status, json=detail)
    axle.post(asset_url(smart_asset, "plug-in"), json={})
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(7))
    charger_plugged_in(asset=smart_asset, at=timezone.now())
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    intent = AxleEvent.objects.get(kind=EventKind.INTENT)
    assert (intent.state, intent.attempts, intent.last_status_code) == (EventState.FAILED, 1, status)
    assert intent.last_error == message
    assert intent.attempt_log.get().error_body == detail
    assert AxleEvent.objects.get(kind=EventKind.PLUG_IN).state == EventState.DELIVERED


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {"detail": "Internal Server Error"}},
        {"status": 503, "body": "Service Unavailable"},
        {"status": 504, "body": "<html>Gateway Timeout</html>"},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("Connection refused")},
    ],
)
def test_transient_failures_back_off_and_block_younger_events(smart_asset, axle, token_call, failure):
    axle.post(asset_url(smart_asset, "plug-in"), **failure)
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=smart_asset, at=T0)
        charger_unplugged(asset=smart_asset, at=T0 + timedelta(minutes=5))
        delivery.site_events_deliver(site_id=smart_asset.site_id)
    plug_in, plug_out = AxleEvent.objects.order_by("id")
    assert (plug_in.state, plug_in.attempts) == (EventState.PENDING, 1)
    assert T0 + timedelta(seconds=2.5) <= plug_in.next_attempt_at <= T0 + timedelta(seconds=5)
    assert plug_in.attempt_log.get().outcome == AttemptOutcome.TRANSIENT
    assert (plug_out.state, plug_out.attempts) == (EventState.PENDING, 0)  # never overtakes its plug-in
    assert [path for path, _ in event_calls(axle)] == ["plug-in"]


def test_retry_after_is_honoured(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), status=429, headers={"Retry-After": "120"}, json={})
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=smart_asset, at=T0)
        delivery.site_events_deliver(site_id=smart_asset.site_id)
    assert AxleEvent.objects.get().next_attempt_at == T0 + timedelta(seconds=120)


def test_gives_up_after_the_attempt_limit(smart_asset, axle, token_call, settings):
    settings.AXLE_OUTBOX_MAX_ATTEMPTS = 3
    axle.post(asset_url(smart_asset, "plug-in"), status=503, json={})
    charger_plugged_in(asset=smart_asset, at=T0)
    now = T0
    for _ in range(3):
        now += timedelta(hours=1)
        with time_machine.travel(now, tick=False):
            delivery.site_events_deliver(site_id=smart_asset.site_id)
    event = AxleEvent.objects.get()
    assert (event.state, event.attempts) == (EventState.FAILED, 3)
    assert event.last_error.startswith("Gave up after 3 attempts. Last: Axle answered 503")


def test_axle_down_for_an_hour_then_everything_delivered_once_in_order(smart_asset, axle, token_call):
    """Plug-in, intents and plug-out during an outage: afterwards all arrive, in order, none twice."""
    for event in ("plug-in", "intent", "plug-out"):
        axle.post(asset_url(smart_asset, event), status=503, json={"detail": "down"})
    now = T0
    with time_machine.travel(now, tick=False):
        charger_plugged_in(asset=smart_asset, at=now)
        delivery.site_events_deliver(site_id=smart_asset.site_id)
    for minutes in (10, 20):  # the homeowner changes their mind twice while Axle is down
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            intent_set(asset=smart_asset, energy_required_kwh=Decimal(minutes), ready_by_local_time=time(7))
            delivery.site_events_deliver(site_id=smart_asset.site_id)
    with time_machine.travel(T0 + timedelta(minutes=50), tick=False):
        charger_unplugged(asset=smart_asset, at=T0 + timedelta(minutes=50))
    for minute in range(0, 60, 5):
        with time_machine.travel(T0 + timedelta(minutes=minute), tick=False):
            delivery.site_events_deliver(site_id=smart_asset.site_id)
    failed_calls = len(event_calls(axle))
    assert failed_calls >= 3
    axle.replace(responses.POST, asset_url(smart_asset, "plug-in"), json={})
    axle.replace(responses.POST, asset_url(smart_asset, "intent"), json={})
    axle.replace(responses.POST, asset_url(smart_asset, "plug-out"), json={})
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        delivery.site_events_deliver(site_id=smart_asset.site_id)
    delivered = event_calls(axle)[failed_calls:]
    assert [path for path, _ in delivered] == ["plug-in", "intent", "plug-out"]
    assert delivered[1][1]["intent"]["energy_required_kwh"] == 20  # the newest, not the older one
    assert AxleEvent.objects.filter(state=EventState.PENDING).count() == 0


def test_stale_token_is_renewed_once_and_the_event_delivered(smart_asset, axle):
    axle.post(fake_axle.TOKEN_URL, json=fake_axle.TOKEN_ANSWER)
    axle.post(fake_axle.TOKEN_URL, json={"access_token": fake_axle.NEW_TOKEN, "token_type": "bearer"})
    axle.post(asset_url(smart_asset, "plug-out"), status=401, json={"detail": "Could not validate credentials"})
    axle.post(asset_url(smart_asset, "plug-out"), json={})
    charger_plugged_in(asset=smart_asset, at=T0)
    AxleEvent.objects.update(state=EventState.DELIVERED)
    charger_unplugged(asset=smart_asset, at=T0 + timedelta(hours=1))
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    assert AxleEvent.objects.get(kind=EventKind.PLUG_OUT).state == EventState.DELIVERED
    assert axle.calls[-1].request.headers["Authorization"] == f"Bearer {fake_axle.NEW_TOKEN}"


def test_worker_killed_mid_delivery_is_delivered_again_after_its_lease(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), json={})
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=smart_asset, at=T0)
        claim = delivery._claim_run(smart_asset.site_id, T0, 1)  # the worker dies after this
    assert claim is not None
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert delivery.site_events_deliver(site_id=smart_asset.site_id) == 0  # its lease still holds
    with time_machine.travel(T0 + delivery.lease_duration() + timedelta(seconds=1), tick=False):
        assert delivery.outbox_sweep(now=timezone.now()) == 1
        assert delivery.site_events_deliver(site_id=smart_asset.site_id) == 1
    event = AxleEvent.objects.get()
    assert (event.state, event.attempts) == (EventState.DELIVERED, 2)
    assert [a.outcome for a in event.attempt_log.all()] == [
        AttemptOutcome.TRANSIENT,
        AttemptOutcome.DELIVERED,
    ]
    assert "stopped before recording" in event.attempt_log.first().message


def test_late_answer_from_a_worker_whose_lease_was_taken_over_changes_nothing(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), json={})
    charger_plugged_in(asset=smart_asset, at=T0)
    with time_machine.travel(T0, tick=False):
        slow = delivery._claim_run(smart_asset.site_id, T0, 1)
    with time_machine.travel(T0 + delivery.lease_duration() + timedelta(seconds=1), tick=False):
        delivery.site_events_deliver(site_id=smart_asset.site_id)
    delivery._record_failure(slow, slow.events[0], delivery.AxleError("late timeout"), T0)
    assert AxleEvent.objects.get().state == EventState.DELIVERED


def test_sweep_finds_only_sites_with_due_events(smart_asset):
    charger_plugged_in(asset=smart_asset, at=T0)
    charger_plugged_in(asset=AssetFactory(), at=T0)  # a site following neither product: nothing owed here
    assert delivery.outbox_sweep(now=timezone.now()) == 1
    AxleEvent.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert delivery.outbox_sweep(now=timezone.now()) == 0


def test_admin_retry_puts_a_failed_event_back(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), status=404, json={"detail": "Asset not found"})
    charger_plugged_in(asset=smart_asset, at=T0)
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    event = AxleEvent.objects.get()
    assert event.state == EventState.FAILED
    assert delivery.events_retry(event_ids=[event.pk]) == 1
    axle.replace(responses.POST, asset_url(smart_asset, "plug-in"), json={})
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    event.refresh_from_db()
    assert (event.state, event.attempts) == (EventState.DELIVERED, 1)


def test_joining_onboards_stores_axles_ids_then_sends_tariff_with_the_new_asset_id(axle, token_call):
    asset = AssetFactory(external_id="charger-001")
    TariffFactory(site=asset.site)
    enrolment_request(site=asset.site, proposition=Proposition.SMART_CHARGING)
    axle.post(f"{fake_axle.BASE_URL}/entities/site/onboard", json=fake_axle.ONBOARD_ANSWER)
    axle.post(f"{fake_axle.BASE_URL}/entities/asset/{fake_axle.ASSET_ID}/event/tariff-update", json={})
    delivery.site_events_deliver(site_id=asset.site_id)
    asset.refresh_from_db()
    assert str(asset.axle_asset_id) == fake_axle.ASSET_ID
    assert str(asset.site.__class__.objects.get(pk=asset.site_id).axle_site_id) == fake_axle.SITE_ID
    enrolment = Enrolment.objects.get(site=asset.site)
    assert (enrolment.status, enrolment.axle_status_code) == (EnrolmentStatus.ENROLLED, 200)
    assert enrolment.axle_response["enrolment"]["status"] == "enrolled"
    assert set(AxleEvent.objects.values_list("state", flat=True)) == {EventState.DELIVERED}


def test_refused_enrolment_is_recorded_on_the_enrolment(axle, token_call):
    asset = AssetFactory(site__axle_site_id=uuid.UUID(fake_axle.SITE_ID), axle_asset_id=uuid.uuid4())
    refusal = {"detail": "Site previously withdrew from this proposition; set override_withdrawal to re-enrol"}
    axle.post(f"{fake_axle.BASE_URL}/entities/site/{fake_axle.SITE_ID}/enrol", status=422, json=refusal)
    enrolment_request(site=asset.site, proposition=Proposition.FLEX_LITE)
    delivery.site_events_deliver(site_id=asset.site_id)
    enrolment = Enrolment.objects.get(site=asset.site)
    assert (enrolment.status, enrolment.axle_status_code, enrolment.axle_response) == (
        EnrolmentStatus.FAILED,
        422,
        refusal,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_site_deliver_each_event_once(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "plug-in"), json={})
    axle.post(asset_url(smart_asset, "plug-out"), json={})
    for hour in range(5):
        charger_plugged_in(asset=smart_asset, at=T0 + timedelta(hours=2 * hour))
        charger_unplugged(asset=smart_asset, at=T0 + timedelta(hours=2 * hour + 1))
    errors = []

    def worker():
        try:
            delivery.site_events_deliver(site_id=smart_asset.site_id)
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each worker stops at an event another holds; whatever is left, one more pass delivers.
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    paths = [path for path, _ in event_calls(axle)]
    assert paths == ["plug-in", "plug-out"] * 5
    assert AxleEventAttempt.objects.count() == 10


def test_a_run_that_reaches_the_end_of_its_lease_records_what_it_sent_and_releases_the_rest(
    smart_asset, axle, token_call
):
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=smart_asset, at=T0)
        charger_unplugged(asset=smart_asset, at=T0 + timedelta(hours=1))
        claim = delivery._claim_run(smart_asset.site_id, T0, 10)

    def slow_axle(request):
        claim.expires = 0  # this call took the rest of the lease
        return (200, {}, "{}")

    axle.add_callback(responses.POST, asset_url(smart_asset, "plug-in"), callback=slow_axle)
    assert delivery._deliver_run(claim) == (1, False)
    plug_in, plug_out = AxleEvent.objects.order_by("id")
    assert plug_in.state == EventState.DELIVERED
    assert (plug_out.state, plug_out.lease_token, plug_out.attempts) == (EventState.PENDING, None, 0)


def test_schedule_acknowledgement_reaches_axles_callback(smart_asset, axle, token_call):
    callback = axle.post(f"{fake_axle.BASE_URL}/entities/asset/{smart_asset.axle_asset_id}/callback/evt-9", json={})
    with transaction.atomic():
        event_enqueue(
            site=smart_asset.site,
            asset=smart_asset,
            kind=EventKind.SCHEDULE_CALLBACK,
            payload={"event_id": "evt-9", "status": "RECEIVED", "timestamp": "2026-04-14T22:00:01+00:00"},
        )
    delivery.site_events_deliver(site_id=smart_asset.site_id)
    assert json.loads(callback.calls[0].request.body) == {
        "timestamp": "2026-04-14T22:00:01+00:00",
        "status": "RECEIVED",
    }
    assert AxleEvent.objects.get().state == EventState.DELIVERED
