"""A burst of pushes queues one "apply the pending schedules" task, and a real worker applies them all."""

import time
from typing import cast

import pytest
from celery.contrib.testing.worker import start_worker
from kombu import Connection
from kombu.transport.virtual import Channel as VirtualChannel

from smartcharging.celery import app
from smartcharging.models import ChargingSchedule, EnrolmentStatus, Proposition
from smartcharging.models.schedules import ApplyState
from smartcharging.services.schedule_apply import schedules_apply_pending
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.api.conftest import url

QUEUE = "chargers"  # where CELERY_TASK_ROUTES sends chargers.* tasks


def channel(connection: Connection) -> VirtualChannel:
    return cast(VirtualChannel, connection.default_channel)  # Redis and filesystem are both virtual


def queued() -> int:
    with app.connection_for_write() as connection:
        return int(channel(connection).queue_declare(QUEUE, passive=True).message_count)


@pytest.fixture
def empty_queue():
    with app.connection_for_write() as connection:
        channel(connection).queue_declare(QUEUE)
        channel(connection).queue_purge(QUEUE)  # earlier tests' pushes had no worker


@pytest.fixture
def chargers(db):
    assets = [AssetFactory(axle_asset_id=f"00000000-0000-4000-8000-{i:012d}") for i in range(5)]
    for asset in assets:
        EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return assets


def push(axle_api, asset, profile, limit):
    profile["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"] = limit
    response = axle_api.post(url(asset), profile, format="json")
    assert response.status_code == 202, response.content


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_pushes_queues_one_task_and_a_worker_applies_every_schedule(
    axle_api, chargers, profile, empty_queue
):
    for i, asset in enumerate(chargers):
        push(axle_api, asset, profile, 7000 + i)
    assert queued() == 1
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[QUEUE], shutdown_timeout=10):
        deadline = time.monotonic() + 60  # generous: a loaded CI machine starts workers slowly
        while time.monotonic() < deadline and ChargingSchedule.objects.filter(apply_state=ApplyState.PENDING).exists():
            time.sleep(0.1)
    states = list(ChargingSchedule.objects.values_list("apply_state", flat=True))
    assert states == [ApplyState.TRANSLATED] * 5


@pytest.mark.django_db(transaction=True)
def test_a_schedule_stored_once_the_task_has_started_queues_the_next(axle_api, chargers, profile, empty_queue):
    first, second, third = chargers[:3]
    push(axle_api, first, profile, 7001)
    push(axle_api, second, profile, 7002)
    assert queued() == 1  # the second found a task queued that had not started

    assert schedules_apply_pending() == 2  # what the queued task does, here in the test
    push(axle_api, third, profile, 7003)
    assert queued() == 2  # stored after the task read the waiting schedules: it needs its own

    assert schedules_apply_pending() == 1
    assert not ChargingSchedule.objects.filter(apply_state=ApplyState.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_more_waiting_than_one_run_takes_queues_another_run(axle_api, chargers, profile, empty_queue):
    for i, asset in enumerate(chargers):
        push(axle_api, asset, profile, 7000 + i)
    assert schedules_apply_pending(limit=3) == 3
    assert queued() == 2  # the push's task, and the run's own for the two left
    assert schedules_apply_pending(limit=3) == 2
    assert queued() == 2


@pytest.mark.django_db(transaction=True)
def test_a_schedule_that_cannot_be_applied_does_not_hold_up_the_others(axle_api, chargers, profile, empty_queue):
    first, second = chargers[:2]
    push(axle_api, first, profile, 7001)
    push(axle_api, second, profile, 7002)
    broken = ChargingSchedule.objects.get(asset=first)
    ChargingSchedule.objects.filter(pk=broken.pk).update(periods=[{"limit": 7001}])  # a row that cannot be read

    assert schedules_apply_pending() == 2
    states = dict(ChargingSchedule.objects.values_list("asset_id", "apply_state"))
    assert states == {first.pk: ApplyState.PENDING, second.pk: ApplyState.TRANSLATED}  # the broken one waits
