"""Tasks travel through the configured broker to a real worker (filesystem locally, Redis in CI)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from accounts.models import Household
from smartcharging.celery import app


@app.task(name="tests.create_household")
def create_household(name: str) -> None:
    Household.objects.create(name=name)


def test_local_default_is_a_real_broker_not_eager_mode():
    assert not app.conf.task_always_eager
    assert settings.CELERY_BROKER_URL.startswith(("filesystem://", "redis://"))


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_runs_in_a_worker_and_commits():
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["default"], shutdown_timeout=10):
        create_household.delay("Queued through the broker")
        deadline = time.monotonic() + 60  # generous: a loaded CI machine starts workers slowly
        while time.monotonic() < deadline and not Household.objects.filter(name="Queued through the broker").exists():
            time.sleep(0.1)
    assert Household.objects.filter(name="Queued through the broker").count() == 1
