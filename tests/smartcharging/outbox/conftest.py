import uuid

import pytest

from smartcharging.models import EnrolmentStatus, Proposition
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory
from tests.smartcharging.axle.conftest import axle, axle_settings, token_call  # noqa: F401 - shared fixtures
from tests.smartcharging.axle.fake_axle import BASE_URL


def asset_url(asset, event: str) -> str:
    return f"{BASE_URL}/entities/asset/{asset.axle_asset_id}/event/{event}"


@pytest.fixture
def smart_asset(db):
    """A charger at a site enrolled in Smart Charging, known to Axle, with an intent and a tariff."""
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    ChargingIntentFactory(asset=asset)
    TariffFactory(site=asset.site, off_peak_windows="23:30-05:30")
    return asset


@pytest.fixture
def flex_lite_asset(db):
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    ChargingIntentFactory(asset=asset)
    return asset
