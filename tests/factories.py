"""factory_boy factories for the domain; valid by default, so a test states only what it is about."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import factory

from accounts.models import Household, User
from chargers.models import Asset, HalfHourEnergy, MeterSample, Site
from chargers.validators import mpan_check_digit
from smartcharging.models import (
    ChargingIntent,
    Enrolment,
    Proposition,
    ReadingDelivery,
    Tariff,
    TariffType,
)


def valid_mpan(n: int) -> str:
    """A 13-digit MPAN core with a correct check digit, distinct for each n."""
    first_twelve = f"12{n:010d}"
    return first_twelve + str(mpan_check_digit(first_twelve))


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"Household {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"driver{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    household = factory.SubFactory(HouseholdFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    household = factory.SubFactory(HouseholdFactory)
    street_address = factory.Sequence(lambda n: f"{n + 1} Acacia Avenue, London")
    postcode = "SW1A 1AA"
    mpan = factory.Sequence(valid_mpan)
    timezone = "Europe/London"
    meter_consent_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))


class AssetFactory(factory.django.DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    site = factory.SubFactory(SiteFactory)
    ocpp_charge_point_id = factory.Sequence(lambda n: f"CP{n:05d}")
    make = "Zappi"
    model = "v2.1"
    installation_date = dt.date(2024, 5, 1)
    rated_power_kw = Decimal("7.4")
    phases = 1
    max_current_a = 32


class TariffFactory(factory.django.DjangoModelFactory[Tariff]):
    class Meta:
        model = Tariff

    site = factory.SubFactory(SiteFactory)
    tariff_type = TariffType.DUAL_RATE
    name = "Octopus Go"
    off_peak_windows = "00:30-05:30"
    peak_rate_pence = Decimal("27.50")
    off_peak_rate_pence = Decimal("8.50")


class ChargingIntentFactory(factory.django.DjangoModelFactory[ChargingIntent]):
    class Meta:
        model = ChargingIntent

    asset = factory.SubFactory(AssetFactory)
    energy_required_kwh = Decimal("30")
    ready_by_local_time = dt.time(7, 0)


class EnrolmentFactory(factory.django.DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    site = factory.SubFactory(SiteFactory)
    proposition = Proposition.SMART_CHARGING


class MeterSampleFactory(factory.django.DjangoModelFactory[MeterSample]):
    class Meta:
        model = MeterSample

    asset = factory.SubFactory(AssetFactory)
    taken_at = factory.Sequence(lambda n: dt.datetime(2027, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=15 * n))
    register_wh = factory.Sequence(lambda n: 500.0 * n)


class HalfHourEnergyFactory(factory.django.DjangoModelFactory[HalfHourEnergy]):
    class Meta:
        model = HalfHourEnergy

    asset = factory.SubFactory(AssetFactory)
    interval_start = factory.Sequence(lambda n: dt.datetime(2027, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * n))
    energy_kwh = Decimal("1.250")


class ReadingDeliveryFactory(factory.django.DjangoModelFactory[ReadingDelivery]):
    """A reading owed to Axle for a charger Axle knows (it has an Axle asset id)."""

    class Meta:
        model = ReadingDelivery

    asset = factory.SubFactory(AssetFactory, axle_asset_id=factory.LazyFunction(uuid.uuid4))
    interval_start = factory.Sequence(lambda n: dt.datetime(2027, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * n))
    energy_kwh = Decimal("1.250")
    next_attempt_at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
