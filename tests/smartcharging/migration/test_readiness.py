"""The readiness checklist: each check fails for the reason an admin would see, and all pass together."""

from __future__ import annotations

import datetime as dt

import pytest

from chargers.models import ChargerState, Site
from smartcharging.models import EnrolmentStatus, Proposition, SiteEligibility
from smartcharging.readiness import is_ready, missing, product_is, with_readiness
from tests.factories import EnrolmentFactory
from tests.smartcharging.migration.builders import ready_site

pytestmark = pytest.mark.django_db


def checked(site):
    return with_readiness(Site.objects.filter(pk=site.pk)).get()


def test_a_complete_site_is_ready_and_on_flex_lite():
    site = ready_site()
    row = checked(site)
    assert missing(row) == []
    assert row.product == Proposition.FLEX_LITE
    assert list(with_readiness(Site.objects.all()).filter(is_ready())) == [site]


def test_each_missing_item_is_named():
    site = ready_site()
    site.meter_consent_at = None
    site.save()
    asset = site.assets.get()
    asset.installation_date = None
    asset.save()
    asset.intent.delete()
    site.tariff.delete()
    ChargerState.objects.filter(asset=asset).update(connected=False)
    SiteEligibility.objects.filter(site=site).update(smart_charging=False)
    assert missing(checked(site)) == [
        "no meter consent recorded",
        "a charger lacks its model or installation date",
        "no tariff on file",
        "a charger has no charging intent (kWh and ready-by)",
        "a charger is offline or cannot take profiles in W or A",
        "Axle has not confirmed the site is eligible for Smart Charging",
    ]
    assert not with_readiness(Site.objects.all()).filter(is_ready()).exists()


@pytest.mark.parametrize("mpan", ["1200000000012", "120000000001", "12000000000a1", ""])
def test_an_mpan_with_a_wrong_check_digit_or_format_is_not_ready(mpan):
    site = ready_site()
    Site.objects.filter(pk=site.pk).update(mpan=mpan)  # as a bulk import could have stored it
    assert missing(checked(site)) == ["the MPAN is not 13 digits with a valid check digit"]


def test_the_valid_mpan_check_agrees_with_the_validator():
    site = ready_site()
    assert checked(site).ready_mpan is True


def test_a_charger_that_reports_no_profile_unit_we_translate_is_not_ready():
    site = ready_site()
    ChargerState.objects.filter(asset__site=site).update(allowed_rate_units="Other")
    assert missing(checked(site)) == ["a charger is offline or cannot take profiles in W or A"]


def test_a_site_with_no_charger_is_not_ready():
    site = ready_site()
    site.assets.all().delete()
    assert "a charger lacks its model or installation date" in missing(checked(site))


def test_smart_charging_wins_over_flex_lite_and_a_failed_enrolment_counts_for_nothing():
    site = ready_site()
    enrolment = EnrolmentFactory(site=site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.PENDING)
    assert checked(site).product == Proposition.SMART_CHARGING
    enrolment.status = EnrolmentStatus.FAILED
    enrolment.save()
    assert checked(site).product == Proposition.FLEX_LITE
    site.enrolments.all().delete()
    assert checked(site).product == ""


def test_the_product_filter_picks_the_sites_the_product_column_shows():
    smart, flex, failed, neither = ready_site(), ready_site(), ready_site(), ready_site()
    EnrolmentFactory(site=smart, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.PENDING)
    EnrolmentFactory(site=failed, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.FAILED)
    neither.enrolments.all().delete()
    sites = with_readiness(Site.objects.order_by("pk"))
    expected = {Proposition.SMART_CHARGING: [smart], Proposition.FLEX_LITE: [flex, failed], "": [neither]}
    for product, chosen in expected.items():
        assert list(sites.filter(product_is(product))) == chosen
        assert list(sites.filter(product=product)) == chosen


def test_consent_time_is_kept_in_utc():
    site = ready_site(site__meter_consent_at=dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC))
    assert checked(site).ready_consent is True
