"""What an operator or homeowner sees when a site or charger is entered wrongly."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from chargers.models import Asset, Site
from chargers.validators import mpan_check_digit, normalise_postcode, validate_mpan
from tests.factories import AssetFactory, SiteFactory, valid_mpan


def test_check_digit_worked_by_hand():
    # 1x3 + 2x5 + 3x7 + 4x13 + 5x17 + 6x19 + 7x23 + 8x29 + 9x31 + 0x37 + 1x41 + 2x43 = 1084;
    # 1084 mod 11 = 6; 6 mod 10 = 6.
    assert mpan_check_digit("123456789012") == 6
    validate_mpan("1234567890126")
    validate_mpan("1200023305967")  # an MPAN published in supplier API documentation


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("12345", "is not 13 digits"),
        ("12345678901234", "is not 13 digits"),
        ("12 3456789012 3", "is not 13 digits"),
        ("", "is not 13 digits"),
    ],
)
def test_mpan_must_be_13_digits(value, fragment):
    with pytest.raises(ValidationError) as caught:
        validate_mpan(value)
    assert fragment in caught.value.messages[0]
    assert "bottom right" in caught.value.messages[0]  # tells the user where to find it


def test_mpan_with_a_wrong_check_digit_is_refused_and_says_so():
    good = valid_mpan(42)
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    validate_mpan(good)
    with pytest.raises(ValidationError) as caught:
        validate_mpan(bad)
    assert caught.value.messages == [
        f"{bad} is not a valid MPAN: its last digit does not match the others. "
        "Check each digit against your electricity bill."
    ]


@pytest.mark.django_db
def test_site_full_clean_reports_every_wrong_field():
    site = Site(street_address="1 High St", postcode="not a postcode", mpan="1234", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as caught:
        site.full_clean()
    assert set(caught.value.message_dict) == {"postcode", "mpan", "timezone"}
    assert "is not a UK postcode" in caught.value.message_dict["postcode"][0]
    assert "IANA name such as Europe/London" in caught.value.message_dict["timezone"][0]


@pytest.mark.django_db
def test_site_defaults_to_london_time_and_normalises_postcode():
    site = Site(street_address="1 High St", postcode=" sw1a1aa ", mpan=valid_mpan(7))
    site.full_clean()
    site.save()
    site.refresh_from_db()
    assert site.timezone == "Europe/London"
    assert site.postcode == "SW1A 1AA"


def test_postcode_normalisation():
    assert normalise_postcode("ec1a1bb") == "EC1A 1BB"
    assert normalise_postcode("M1  1AE") == "M1 1AE"


@pytest.mark.django_db
def test_one_mpan_belongs_to_one_site():
    SiteFactory(mpan=valid_mpan(5))
    duplicate = SiteFactory.build(mpan=valid_mpan(5))
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean(exclude=["household"])
    assert "MPAN already exists" in caught.value.message_dict["mpan"][0]


@pytest.mark.django_db
def test_consent_in_the_future_is_refused():
    from datetime import timedelta

    from django.utils import timezone

    site = SiteFactory.build(meter_consent_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        site.full_clean(exclude=["household"])
    assert caught.value.message_dict["meter_consent_at"] == ["Consent cannot be recorded in the future."]


@pytest.mark.django_db
def test_rated_power_beyond_what_phases_and_current_deliver_is_refused():
    asset = AssetFactory.build(site=SiteFactory(), rated_power_kw=Decimal("22"), phases=1, max_current_a=32)
    with pytest.raises(ValidationError) as caught:
        asset.full_clean()
    message = caught.value.message_dict["rated_power_kw"][0]
    assert "22 kW is more than 1 phase(s) x 32 A can deliver (at most 8.1 kW)" in message


@pytest.mark.django_db
def test_three_phase_22kw_charger_is_valid():
    asset = AssetFactory.build(site=SiteFactory(), rated_power_kw=Decimal("22"), phases=3, max_current_a=32)
    asset.full_clean()


@pytest.mark.django_db
def test_minimum_current_above_maximum_is_refused_by_form_and_database():
    asset = AssetFactory.build(site=SiteFactory(), min_current_a=16, max_current_a=10, rated_power_kw=Decimal("2"))
    with pytest.raises(ValidationError) as caught:
        asset.full_clean()
    assert caught.value.message_dict["min_current_a"] == ["The minimum current (16 A) is above the maximum (10 A)."]
    with pytest.raises(IntegrityError):
        asset.save()


@pytest.mark.django_db
def test_asset_gets_an_external_id_and_axle_model_name():
    asset = AssetFactory(make="Ohme", model="Home Pro")
    assert asset.external_id.startswith("chg_")
    assert Asset.objects.get(pk=asset.pk).asset_model == "Ohme Home Pro"
