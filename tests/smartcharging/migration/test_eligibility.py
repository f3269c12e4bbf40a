"""Axle's eligibility answer is stored for the readiness checks, with its reasons in words."""

import copy

import pytest

from smartcharging.models import SiteEligibility
from smartcharging.services.eligibility import site_eligibility_check
from tests.factories import SiteFactory
from tests.smartcharging.axle import fake_axle
from tests.smartcharging.migration.builders import ready_site

pytestmark = pytest.mark.django_db


def eligibility_url(site):
    return f"{fake_axle.BASE_URL}/entities/site/{site.axle_site_id}/eligibility"


def test_an_eligible_site_is_stored_as_eligible(axle, token_call):
    site = ready_site()
    answer = copy.deepcopy(fake_axle.ELIGIBILITY)
    answer["eligible_propositions"] = ["limited_pause", "full_asset_schedule_control"]
    answer["assets"][0]["propositions"][1] = {
        "proposition": "full_asset_schedule_control",
        "is_eligible": True,
        "issues": [],
    }
    axle.get(eligibility_url(site), json=answer)
    record = site_eligibility_check(site_id=site.pk)
    assert (record.smart_charging, record.flex_lite, record.issues) == (True, True, "")
    assert record.raw == answer


def test_axles_reasons_are_kept_when_a_site_is_not_eligible(axle, token_call):
    site = ready_site()
    axle.get(eligibility_url(site), json=fake_axle.ELIGIBILITY)
    record = site_eligibility_check(site_id=site.pk)
    assert record.smart_charging is False
    assert record.issues == "charger-001: asset_model_not_set, asset_installation_date_not_set"


def test_a_site_axle_does_not_know_is_not_eligible_and_axle_is_not_asked(axle):
    site = SiteFactory(axle_site_id=None)
    record = site_eligibility_check(site_id=site.pk)
    assert (record.smart_charging, record.issues) == (False, "Not known to Axle yet: onboard the site first.")
    assert not axle.calls


def test_an_outage_keeps_the_last_answer(axle, token_call):
    site = ready_site()  # stored as eligible
    axle.get(eligibility_url(site), status=503, json={"detail": "Service Unavailable"})
    assert site_eligibility_check(site_id=site.pk) is None
    assert SiteEligibility.objects.get(site=site).smart_charging is True


def test_a_refusal_is_stored_with_axles_words(axle, token_call):
    site = ready_site()
    axle.get(eligibility_url(site), status=404, json={"detail": "Site not found"})
    record = site_eligibility_check(site_id=site.pk)
    assert record.smart_charging is False
    assert record.issues.startswith("Axle answered 404: ")
    assert "Site not found" in record.issues
