import uuid

import pytest

from smartcharging.models import EnrolmentStatus, Proposition
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory
from tests.smartcharging.axle.conftest import axle, axle_settings, token_call  # noqa: F401 - shared fixtures


@pytest.fixture
def flex_asset(db):
    """A 7.4 kW charger at a Flex Lite site known to Axle: 30 kWh by 07:00, off-peak 00:30-05:30."""
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    ChargingIntentFactory(asset=asset)
    TariffFactory(site=asset.site, off_peak_windows="00:30-05:30")
    return asset
