"""Every page reaches only the signed-in user's household: another's charger or home is a 404."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHARGER_GETS = ["/chargers/{pk}/plan/", "/chargers/{pk}/plan/live/", "/chargers/{pk}/needs/"]
CHARGER_POSTS = [
    "/chargers/{pk}/needs/",
    "/chargers/{pk}/tonight/",
    "/chargers/{pk}/tonight/cancel/",
    "/chargers/{pk}/boost/",
    "/chargers/{pk}/boost/stop/",
]
SITE_GETS = ["/homes/{pk}/tariff/", "/homes/{pk}/rewards/"]
SITE_POSTS = ["/homes/{pk}/tariff/", "/homes/{pk}/rewards/withdraw/"]


@pytest.mark.parametrize("url", CHARGER_GETS)
def test_another_households_charger_is_not_found(signed_in, asset, neighbour_asset, url):
    assert signed_in.get(url.format(pk=asset.pk)).status_code == 200
    assert signed_in.get(url.format(pk=neighbour_asset.pk)).status_code == 404


@pytest.mark.parametrize("url", CHARGER_POSTS)
def test_another_households_charger_cannot_be_changed(signed_in, asset, neighbour_asset, url):
    response = signed_in.post(url.format(pk=neighbour_asset.pk), {"hours": 2, "ready_by": "07:00", "energy_kwh": 30})
    assert response.status_code == 404


@pytest.mark.parametrize("url", SITE_GETS)
def test_another_households_home_is_not_found(signed_in, site, neighbour_asset, url):
    assert signed_in.get(url.format(pk=neighbour_asset.site.pk)).status_code == 404


@pytest.mark.parametrize("url", SITE_POSTS)
def test_another_households_home_cannot_be_changed(signed_in, site, neighbour_asset, url):
    response = signed_in.post(url.format(pk=neighbour_asset.site.pk), {"tariff_type": "single_rate"})
    assert response.status_code == 404


def test_home_lists_only_the_households_own_chargers(signed_in, asset, neighbour_asset):
    page = signed_in.get("/")
    assert [o.asset for o in page.context["overviews"]] == [asset]
    assert neighbour_asset.ocpp_charge_point_id not in page.content.decode()


def test_someone_without_a_household_sees_no_chargers_and_what_to_do(client, neighbour_asset):
    loner = UserFactory(household=None)
    client.force_login(loner)
    page = client.get("/")
    assert "isn't linked to a home yet" in page.content.decode().replace("&#x27;", "'")
    assert client.get(f"/chargers/{neighbour_asset.pk}/plan/").status_code == 404
    assert client.get("/history/").status_code == 200
