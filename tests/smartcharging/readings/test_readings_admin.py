"""Admins see each reading owed to Axle, Axle's reason for refusing one, and can send it again."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

import smartcharging.admin_readings  # noqa: F401 - registers the admin (smartcharging/admin.py imports it too)
from accounts.models import User
from chargers.models import HalfHourEnergy, MeterSample
from chargers.services.metering import meter_samples_record
from smartcharging.models import ReadingDelivery, ReadingState
from tests.factories import AssetFactory, ReadingDeliveryFactory, UserFactory

pytestmark = pytest.mark.django_db

AT_TEN = dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    return client


def test_the_readings_list_shows_axles_reason_and_filters_by_state_and_day(staff_client):
    refused = ReadingDeliveryFactory(
        asset=AssetFactory(ocpp_charge_point_id="CP-GARAGE", axle_asset_id="11111111-1111-1111-1111-111111111111"),
        interval_start=AT_TEN,
        state=ReadingState.REFUSED,
        last_error="Reading overlaps an existing reading",
    )
    ReadingDeliveryFactory(interval_start=AT_TEN, state=ReadingState.SENT)

    listing = staff_client.get("/admin/smartcharging/readingdelivery/", {"state__exact": "refused"})
    assert list(listing.context["cl"].result_list) == [refused]
    assert b"Reading overlaps an existing reading" in listing.content
    by_day = staff_client.get(
        "/admin/smartcharging/readingdelivery/",
        {"interval_start__year": 2027, "interval_start__month": 6, "interval_start__day": 1},
    )
    assert by_day.context["cl"].result_count == 2
    search = staff_client.get("/admin/smartcharging/readingdelivery/", {"q": "CP-GARAGE"})
    assert list(search.context["cl"].result_list) == [refused]
    assert staff_client.get(f"/admin/smartcharging/readingdelivery/{refused.pk}/change/").status_code == 200
    assert staff_client.get("/admin/smartcharging/readingdelivery/add/").status_code == 403


def test_send_again_makes_refused_readings_due_and_leaves_the_others(staff_client):
    refused = ReadingDeliveryFactory(interval_start=AT_TEN, state=ReadingState.REFUSED, attempts=48, last_error="x")
    sent = ReadingDeliveryFactory(interval_start=AT_TEN, state=ReadingState.SENT)

    response = staff_client.post(
        "/admin/smartcharging/readingdelivery/",
        {"action": "send_again", "_selected_action": [refused.pk, sent.pk]},
        follow=True,
    )

    assert b"1 reading(s) will be sent again within five minutes." in response.content
    assert b"1 selected reading(s) were not refused and were left alone." in response.content
    refused.refresh_from_db()
    assert (refused.state, refused.attempts) == (ReadingState.PENDING, 0)
    sent.refresh_from_db()
    assert sent.state == ReadingState.SENT


def test_send_again_needs_the_right_to_change_readings(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_readingdelivery"))
    client.force_login(viewer)
    ReadingDeliveryFactory(interval_start=AT_TEN, state=ReadingState.REFUSED)

    listing = client.get("/admin/smartcharging/readingdelivery/")
    client.post(
        "/admin/smartcharging/readingdelivery/",
        {"action": "send_again", "_selected_action": [ReadingDelivery.objects.get().pk]},
    )

    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action offered to a viewer
    assert ReadingDelivery.objects.get().state == ReadingState.REFUSED


@pytest.mark.parametrize("model", [MeterSample, HalfHourEnergy])
def test_metering_lists_are_read_only(staff_client, model):
    meter_samples_record(
        asset=AssetFactory(ocpp_charge_point_id="CP-DRIVE"),
        samples=[(AT_TEN, 0.0), (AT_TEN + dt.timedelta(minutes=30), 1500.0)],
    )
    base = f"/admin/chargers/{model._meta.model_name}/"

    listing = staff_client.get(base, {"q": "CP-DRIVE"})

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == model.objects.count() >= 1
    model_admin = admin.site._registry[model]
    request = listing.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert staff_client.get(f"{base}{model.objects.first().pk}/change/").status_code == 200
