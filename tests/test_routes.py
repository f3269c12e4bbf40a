"""Every served route is in docs/security.md's table, and each keeps to the audience the table names.

A route that appears through an `include()` (as the OAuth toolkit's application registration once
did) fails here until someone decides, in the table, who it is for.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import AssetFactory, SiteFactory, UserFactory

TABLE_ROW = re.compile(r"^\| `(?P<route>/[^`]*)` \| (?P<audience>[a-z ]+) \|")
AUDIENCES = {"anyone", "homeowner", "staff", "axle"}


def documented() -> dict[str, str]:
    text = (settings.BASE_DIR / "docs" / "security.md").read_text()
    rows = [TABLE_ROW.match(line) for line in text.splitlines()]
    return {row["route"]: row["audience"].strip() for row in rows if row}


def served(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "/") -> list[str]:
    """Every route as Django spells it; the admin site counts as one door (its own permissions rule it)."""
    routes = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += ["/admin/"] if text == "/admin/" else served(pattern.url_patterns, text)
        else:
            routes.append(text)
    return routes


def test_every_served_route_is_documented_with_its_audience_and_nothing_else_is():
    table = documented()
    assert set(table.values()) <= AUDIENCES
    assert sorted(set(served())) == sorted(table)


HOMEOWNER_ROUTES = sorted(route for route, audience in documented().items() if audience == "homeowner")


def _url(route: str, pk: int) -> str:
    return re.sub(r"<str:action>", "plug-in", route.replace("<int:pk>", str(pk)))


@pytest.mark.django_db
@pytest.mark.parametrize("route", HOMEOWNER_ROUTES)
def test_homeowner_routes_send_strangers_to_sign_in(client, route):
    response = client.get(_url(route, AssetFactory().pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.django_db
@pytest.mark.parametrize("route", [route for route in HOMEOWNER_ROUTES if "<int:pk>" in route])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_households_id_is_not_found_on_every_homeowner_route(client, route, method):
    """The neighbour's charger or home, by our id: 404 (or 405 for the wrong method), never a change."""
    neighbour_asset = AssetFactory(site=SiteFactory())
    target = neighbour_asset.pk if route.startswith("/chargers/") else neighbour_asset.site.pk
    client.force_login(UserFactory())
    response = getattr(client, method)(_url(route, target), {"energy_kwh": 30, "ready_by": "07:00", "hours": 2})
    assert response.status_code in {404, 405}, (route, method, response.status_code)
    assert client.get(_url(route, target)).status_code in {404, 405}
