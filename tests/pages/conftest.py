"""Homeowner page fixtures: a signed-in homeowner with one charger, and a neighbour with their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from smartcharging.models import EnrolmentStatus, Proposition
from tests.factories import (
    AssetFactory,
    ChargingIntentFactory,
    EnrolmentFactory,
    SiteFactory,
    TariffFactory,
    UserFactory,
)
from tests.smartcharging.axle.conftest import axle, axle_settings, token_call  # noqa: F401 - shared fixtures

PASSWORD = "correct horse battery staple"


@pytest.fixture
def homeowner(db):
    return UserFactory(email="ann@example.com")


@pytest.fixture
def site(homeowner):
    return SiteFactory(household=homeowner.household)


@pytest.fixture
def asset(site):
    return AssetFactory(site=site, rated_power_kw=Decimal("7.4"))


@pytest.fixture
def tariff(site):
    """Economy-7-like, as in Axle's documented example: off-peak 23:30-05:30 at 9p, 28p otherwise."""
    return TariffFactory(
        site=site,
        name="Night saver",
        off_peak_windows="23:30-05:30",
        peak_rate_pence=Decimal("28"),
        off_peak_rate_pence=Decimal("9"),
    )


@pytest.fixture
def intent(asset):
    return ChargingIntentFactory(asset=asset, energy_required_kwh=Decimal("30"), ready_by_local_time=dt.time(7))


@pytest.fixture
def smart(site):
    return EnrolmentFactory(site=site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)


@pytest.fixture
def signed_in(client, homeowner):
    client.force_login(homeowner)
    return client


@pytest.fixture
def neighbour_asset(db):
    """A charger in another household: every page must treat it as not there."""
    other = UserFactory(email="bob@example.com")
    return AssetFactory(site=SiteFactory(household=other.household))
