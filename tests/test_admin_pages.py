"""Every model's admin list renders with its filters and search, and its add/change forms open."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin

from accounts.invitations import invitation_create
from accounts.models import User
from chargers.models import Site
from chargers.services.metering import meter_samples_record
from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE
from smartcharging.api.serializers import ChargingProfileSerializer, to_profile
from smartcharging.models import (
    AttemptOutcome,
    AxleEvent,
    AxleEventAttempt,
    EnrolmentStatus,
    MigrationDirection,
    ScheduleShape,
    SiteEligibility,
)
from smartcharging.services.intents import intent_set
from smartcharging.services.migration import migration_prepare
from smartcharging.services.schedules import schedule_receive
from tests.factories import (
    ChargingIntentFactory,
    EnrolmentFactory,
    ReadingDeliveryFactory,
    TariffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

_JUNE_10AM = datetime(2027, 6, 1, 10, tzinfo=UTC)


def validated_example_profile():
    serializer = ChargingProfileSerializer(data=AXLE_EXAMPLE_PROFILE)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    return client


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"accounts", "chargers", "smartcharging"}],
)
def test_changelist_search_and_forms(staff_client, model):
    intent = ChargingIntentFactory()
    TariffFactory(site=intent.asset.site)
    EnrolmentFactory(site=intent.asset.site, status=EnrolmentStatus.ENROLLED)
    UserFactory(household=intent.asset.site.household)
    invitation_create(  # an invitation, which the audit list shows
        email="invited@example.com",
        household=intent.asset.site.household,
        created_by=User.objects.create_superuser("inviter@example.com", "inviter-passphrase-1"),
    )
    intent_set(asset=intent.asset, energy_required_kwh=Decimal("25"), ready_by_local_time=time(6))  # an outbox event
    event = AxleEvent.objects.get()
    AxleEventAttempt.objects.create(event=event, outcome=AttemptOutcome.TRANSIENT, status_code=503, message="down")
    # Meter samples, the half hour they make, and the reading owed to Axle for it.
    meter_samples_record(asset=intent.asset, samples=[(_JUNE_10AM, 0.0), (_JUNE_10AM + timedelta(minutes=30), 1200.0)])
    ReadingDeliveryFactory(asset=intent.asset, interval_start=_JUNE_10AM)
    # A schedule from Axle, stored as the endpoint stores it.
    schedule_receive(
        asset=intent.asset,
        profile=to_profile(validated_example_profile()),
        profile_json=AXLE_EXAMPLE_PROFILE,
        raw_payload=AXLE_EXAMPLE_PROFILE,
        shape=ScheduleShape.PROFILE,
    )
    # A prepared migration (with its audit entry) and Axle's eligibility answer for the site.
    migration_prepare(
        sites=Site.objects.all(), direction=MigrationDirection.TO_SMART_CHARGING, actor=User.objects.first()
    )
    SiteEligibility.objects.create(
        site=intent.asset.site, smart_charging=False, issues="charger-1: asset_model_not_set"
    )
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    listing = staff_client.get(base)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 1
    assert staff_client.get(base, {"q": "12"}).status_code == 200
    obj = model.objects.first()
    assert staff_client.get(f"{base}{obj.pk}/change/").status_code == 200
    can_add = admin.site._registry[model].has_add_permission(listing.wsgi_request)
    assert staff_client.get(f"{base}add/").status_code == (200 if can_add else 403)


def test_site_admin_search_finds_by_mpan(staff_client):
    intent = ChargingIntentFactory()
    mpan = intent.asset.site.mpan
    response = staff_client.get("/admin/chargers/site/", {"q": mpan})
    assert list(response.context["cl"].result_list) == [intent.asset.site]


def test_front_page_and_health_check(client):
    page = client.get("/")
    assert page.status_code == 200
    assert b"Operator sign in" in page.content
    assert client.get("/healthz").json() == {"status": "ok"}


def test_outbox_admin_shows_axles_answer_and_retries_a_failed_event(staff_client):
    intent = ChargingIntentFactory()
    EnrolmentFactory(site=intent.asset.site, status=EnrolmentStatus.ENROLLED)
    intent_set(asset=intent.asset, energy_required_kwh=Decimal("25"), ready_by_local_time=time(6))
    event = AxleEvent.objects.get()
    AxleEvent.objects.filter(pk=event.pk).update(
        state="failed",
        attempts=1,
        last_status_code=422,
        last_error="Axle answered 422: intent.ready_by: field required",
    )
    page = staff_client.get(f"/admin/smartcharging/axleevent/{event.pk}/change/")
    assert b"Axle answered 422: intent.ready_by: field required" in page.content
    listing = staff_client.get("/admin/smartcharging/axleevent/", {"state__exact": "failed"})
    assert b"Axle answered 422" in listing.content
    response = staff_client.post(
        "/admin/smartcharging/axleevent/",
        {"action": "retry_events", "_selected_action": [event.pk]},
        follow=True,
    )
    assert b"1 event(s) queued again." in response.content
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("pending", 0)
