"""An event is queued on commit and delivered by a real Celery worker through the real broker."""

import time as clock
from datetime import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker

from smartcharging.celery import app
from smartcharging.models import AxleEvent, EventState
from smartcharging.services.intents import intent_set
from tests.smartcharging.outbox.conftest import asset_url


@pytest.mark.django_db(transaction=True)
def test_intent_saved_on_the_page_reaches_axle_through_the_worker(smart_asset, axle, token_call):
    axle.post(asset_url(smart_asset, "intent"), json={})
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["axle", "default"], shutdown_timeout=10):
        intent_set(asset=smart_asset, energy_required_kwh=Decimal("33"), ready_by_local_time=time(7, 30))
        deadline = clock.monotonic() + 60  # generous: a loaded CI machine starts workers slowly
        while clock.monotonic() < deadline and AxleEvent.objects.get().state != EventState.DELIVERED:
            clock.sleep(0.1)
    event = AxleEvent.objects.get()
    assert event.state == EventState.DELIVERED
    sent = [c for c in axle.calls if c.request.url.endswith("/event/intent")]
    assert len(sent) == 1
    assert b'"energy_required_kwh":33.0' in sent[0].request.body
