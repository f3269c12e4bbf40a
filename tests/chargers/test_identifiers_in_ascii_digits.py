"""MPANs and charge point ids in digits other than 0-9 are refused, wherever they are typed.

`\\d` takes Arabic-Indic (U+0660...) and fullwidth (U+FF10...) digits, and `int()` reads them: an
MPAN typed in them passed the check digit and, being different text, the "already registered" check,
and went to Axle as typed. Through real requests: the homeowner's join page and the admin's forms.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from chargers.models import Asset, Site
from smartcharging.models import AxleEvent
from tests.factories import AssetFactory, SiteFactory, UserFactory, valid_mpan

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + n) for n in range(10)))  # ٠١٢...
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + n) for n in range(10)))
OTHER_DIGITS = "has digits other than 0 to 9"


@pytest.fixture
def homeowner_site(client):
    homeowner = UserFactory(email="ann@example.com")
    site = SiteFactory(household=homeowner.household, meter_consent_at=None)
    AssetFactory(site=site)
    client.force_login(homeowner)
    return site


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    return client


@pytest.mark.parametrize("script", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_joining_with_another_homes_mpan_in_other_digits_is_refused(client, homeowner_site, script):
    neighbours = SiteFactory(mpan=valid_mpan(900))
    typed = neighbours.mpan.translate(script)

    response = client.post(reverse("pages:join", args=[homeowner_site.pk]), {"consent": "on", "mpan": typed})

    assert response.status_code == 200
    assert OTHER_DIGITS in response.content.decode()
    assert "Type the MPAN again with the digits 0 to 9" in response.content.decode()
    homeowner_site.refresh_from_db()
    assert homeowner_site.mpan != typed
    assert homeowner_site.meter_consent_at is None
    assert not AxleEvent.objects.exists()  # nothing on its way to Axle


def test_joining_with_a_new_mpan_in_fullwidth_digits_is_refused_and_nothing_goes_to_axle(client, homeowner_site):
    typed = valid_mpan(901).translate(FULLWIDTH)

    response = client.post(reverse("pages:join", args=[homeowner_site.pk]), {"consent": "on", "mpan": typed})

    assert response.status_code == 200
    assert OTHER_DIGITS in response.content.decode()
    assert not Site.objects.filter(mpan=typed).exists()
    assert not AxleEvent.objects.exists()


def test_the_same_mpan_in_0_to_9_still_joins(client, homeowner_site):
    mpan = valid_mpan(902)
    response = client.post(reverse("pages:join", args=[homeowner_site.pk]), {"consent": "on", "mpan": mpan})
    assert response.status_code == 302
    homeowner_site.refresh_from_db()
    assert homeowner_site.mpan == mpan


def _site_add_form(mpan: str) -> dict[str, str]:
    return {
        "street_address": "2 Acacia Avenue, London",
        "postcode": "SW1A 1AA",
        "mpan": mpan,
        "timezone": "Europe/London",
        "assets-TOTAL_FORMS": "0",
        "assets-INITIAL_FORMS": "0",
        "assets-MIN_NUM_FORMS": "0",
        "assets-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize("script", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_admin_cannot_add_a_site_with_an_existing_mpan_in_other_digits(staff_client, script):
    existing = SiteFactory(mpan=valid_mpan(903))
    typed = existing.mpan.translate(script)

    response = staff_client.post("/admin/chargers/site/add/", _site_add_form(typed))

    assert response.status_code == 200
    assert OTHER_DIGITS in response.content.decode()
    assert Site.objects.count() == 1


def test_admin_adds_a_site_whose_mpan_is_in_0_to_9(staff_client):
    response = staff_client.post("/admin/chargers/site/add/", _site_add_form(valid_mpan(904)))
    assert response.status_code == 302
    assert Site.objects.filter(mpan=valid_mpan(904)).exists()


def test_admin_cannot_give_a_charger_a_charge_point_id_in_other_digits(staff_client):
    asset = AssetFactory(ocpp_charge_point_id="CP-123")
    form = {
        "site": str(asset.site_id),
        "external_id": asset.external_id,
        "ocpp_charge_point_id": "CP-123".translate(ARABIC_INDIC),
        "make": asset.make,
        "model": asset.model,
        "installation_date": "2024-05-01",
        "rated_power_kw": "7.4",
        "phases": "1",
        "max_current_a": "32",
        "min_current_a": "6",
        "rate_units": asset.rate_units,
    }

    response = staff_client.post(f"/admin/chargers/asset/{asset.pk}/change/", form)

    assert response.status_code == 200
    assert "cannot be a charge point id" in response.content.decode()
    assert Asset.objects.get(pk=asset.pk).ocpp_charge_point_id == "CP-123"


def test_the_migration_rewrites_stored_mpans_in_0_to_9_unless_another_home_has_that_mpan():
    migration = importlib.import_module("chargers.migrations.0004_identifiers_in_ascii_digits")
    lone = SiteFactory()
    claimed = SiteFactory()
    twin = SiteFactory()
    Site.objects.filter(pk=lone.pk).update(mpan=valid_mpan(905).translate(ARABIC_INDIC))
    Site.objects.filter(pk=twin.pk).update(mpan=claimed.mpan.translate(FULLWIDTH))

    migration.mpans_in_ascii_digits(apps, None)

    assert Site.objects.get(pk=lone.pk).mpan == valid_mpan(905)
    assert Site.objects.get(pk=twin.pk).mpan == claimed.mpan.translate(FULLWIDTH)  # for an operator to settle
    assert Site.objects.get(pk=claimed.pk).mpan == claimed.mpan
