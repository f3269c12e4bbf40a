"""Every model's admin list renders with its filters and search, and its add/change forms open."""

import pytest
from django.contrib import admin

from accounts.models import User
from tests.factories import ChargingIntentFactory, EnrolmentFactory, TariffFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    EnrolmentFactory(site=intent.asset.site)
    UserFactory(household=intent.asset.site.household)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    listing = staff_client.get(base)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 1
    assert staff_client.get(base, {"q": "12"}).status_code == 200
    obj = model.objects.first()
    assert staff_client.get(f"{base}{obj.pk}/change/").status_code == 200
    assert staff_client.get(f"{base}add/").status_code == 200


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
