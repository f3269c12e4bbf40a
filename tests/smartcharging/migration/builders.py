"""Sites in the states a migration meets: ready for Smart Charging on Flex Lite, and already moved."""

import uuid

from chargers.models import ChargerState
from smartcharging.models import EnrolmentStatus, Proposition, SiteEligibility
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory


def ready_site(**factory_fields):
    """A Flex Lite site known to Axle that passes every readiness check (one 7.4 kW charger)."""
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4(), **factory_fields)
    site = asset.site
    TariffFactory(site=site, off_peak_windows="23:30-05:30")
    ChargingIntentFactory(asset=asset)
    ChargerState.objects.create(asset=asset, connected=True, allowed_rate_units="Current,Power")
    SiteEligibility.objects.create(site=site, smart_charging=True, flex_lite=True)
    EnrolmentFactory(site=site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    return site


def smart_charging_site(**factory_fields):
    """A site already moved: enrolled in Smart Charging, and still in Flex Lite at Axle."""
    site = ready_site(**factory_fields)
    EnrolmentFactory(site=site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return site
