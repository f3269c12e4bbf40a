"""The whole migration with real parts: a Celery worker runs the batches and the outbox, the local
Axle stand-in answers as Axle does, and the site ends up on Smart Charging at both ends."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from chargers.models import ChargerState, Site
from smartcharging.celery import app
from smartcharging.models import (
    EnrolmentStatus,
    ItemState,
    MigrationDirection,
    Proposition,
    RunState,
    SiteEligibility,
)
from smartcharging.selectors import site_product
from smartcharging.services import delivery
from smartcharging.services.eligibility import site_eligibility_check
from smartcharging.services.enrolments import enrolment_request
from smartcharging.services.migration import migration_prepare, migration_start
from tests.factories import AssetFactory, ChargingIntentFactory, TariffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, *, seconds=90):
    deadline = time.monotonic() + seconds  # generous: a loaded CI machine starts workers slowly
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_flex_lite_home_moves_to_smart_charging_through_a_worker_and_the_standin(standin, settings):
    settings.MIGRATION_AXLE_CALLS_PER_S = 100.0
    settings.MIGRATION_SETTLE_POLL_S = 0
    asset = AssetFactory(make="Zappi", model="v2.1")
    site = asset.site
    TariffFactory(site=site, off_peak_windows="23:30-05:30")
    ChargingIntentFactory(asset=asset)
    ChargerState.objects.create(asset=asset, connected=True, allowed_rate_units="Current,Power")
    # An existing Flex Lite household, onboarded at the stand-in the way a new one is.
    enrolment_request(site=site, proposition=Proposition.FLEX_LITE)
    delivery.site_events_deliver(site_id=site.pk)
    site.refresh_from_db()
    assert standin.state.enrolled(str(site.axle_site_id), "limited_pause")
    assert site_eligibility_check(site_id=site.pk).smart_charging, SiteEligibility.objects.get(site=site).issues

    run = migration_prepare(sites=Site.objects.all(), direction=MigrationDirection.TO_SMART_CHARGING, actor=None)
    assert run.items.get().state == ItemState.PLANNED
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["default", "axle"], shutdown_timeout=10):
        migration_start(run_id=run.pk, actor=None)
        finished = wait_for(lambda: run.__class__.objects.get(pk=run.pk).state == RunState.FINISHED)
    item = run.items.get()
    assert finished, f"the run did not finish: {item.get_state_display()} {item.reason}"
    assert item.state == ItemState.DONE
    assert standin.state.enrolled(str(site.axle_site_id), "full_asset_schedule_control")
    assert site_product(site.pk) == Proposition.SMART_CHARGING
    assert site.enrolments.get(proposition=Proposition.SMART_CHARGING).status == EnrolmentStatus.ENROLLED
