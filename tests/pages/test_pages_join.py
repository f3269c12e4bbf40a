"""Joining Axle's programme from the join page: the form, Axle's answers in words, rejoining, leaving.

Axle is faked only at the HTTP boundary; the outbox delivers as it does in production.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chargers.models import Asset, ChargerCommand, CommandAction, Site
from smartcharging.models import (
    AuditAction,
    AuditEntry,
    AxleEvent,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
)
from smartcharging.services.delivery import site_events_deliver
from tests.factories import EnrolmentFactory, valid_mpan
from tests.smartcharging.axle import fake_axle as fake

INITIALISE_URL = f"{fake.BASE_URL}/entities/site/initialise"
ENROL_URL = f"{fake.BASE_URL}/entities/site/{fake.SITE_ID}/enrol"
UNENROL_URL = f"{fake.BASE_URL}/entities/site/{fake.SITE_ID}/unenrol"
TARIFF_URL = f"{fake.BASE_URL}/entities/asset/{fake.ASSET_ID}/event/tariff-update"
WITHDREW_422 = {"detail": "The user withdrew from full_asset_schedule_control earlier; set override_withdrawal."}


def initialise_answer(asset: Asset, *, eligible: bool) -> dict[str, Any]:
    """Axle's initialise answer for our charger: eligible for both products, or Axle's example refusal."""
    answer: dict[str, Any] = copy.deepcopy(fake.INITIALISE_ANSWER)
    onboarded: Any = fake.ONBOARD_ANSWER["assets"]
    answer["assets"] = [dict(onboarded[0], external_id=asset.external_id)]
    eligibility: Any = copy.deepcopy(fake.ELIGIBILITY)
    eligibility["assets"][0]["external_id"] = asset.external_id
    if eligible:
        eligibility["eligible_propositions"] = ["limited_pause", "full_asset_schedule_control"]
        eligibility["site_properties"] = {"is_half_hourly_settled": True, "has_meter_consent": True}
        for proposition in eligibility["assets"][0]["propositions"]:
            proposition["is_eligible"], proposition["issues"] = True, []
    answer["eligibility"] = eligibility
    return answer


def join_url(site: Site) -> str:
    return reverse("pages:join", args=[site.pk])


def join_form(site: Site, **extra: str) -> dict[str, str]:
    return {"consent": "on", "mpan": site.mpan, **extra}


def calls_to(axle, url: str) -> list[dict[str, object]]:
    return [json.loads(call.request.body or b"{}") for call in axle.calls if call.request.url == url]


@pytest.fixture
def new_site(site, asset, tariff):
    """The homeowner's home before joining: no consent yet, Axle does not know it."""
    Site.objects.filter(pk=site.pk).update(meter_consent_at=None)
    site.refresh_from_db()
    return site


def deliver(site: Site) -> int:
    return site_events_deliver(site_id=site.pk)


# --- The page -----------------------------------------------------------------------------------


def test_join_page_explains_and_prefills_the_mpan(signed_in, new_site):
    page = signed_in.get(join_url(new_site)).content.decode()
    for words in ("cheap and green", "what you need by when", "earn rewards", "stop any time"):
        assert words in page
    assert f'value="{new_site.mpan}"' in page
    assert 'name="consent"' in page
    assert "Withdraw my consent" not in page  # nothing to withdraw yet


def test_home_page_links_to_join_when_the_home_is_in_nothing(signed_in, new_site):
    page = signed_in.get(reverse("pages:home")).content.decode()
    assert join_url(new_site) in page
    assert "Join smart charging" in page


def test_home_page_does_not_invite_a_member_to_join(signed_in, site, asset, smart):
    page = signed_in.get(reverse("pages:home")).content.decode()
    assert "Join smart charging" not in page


def test_another_households_join_pages_are_not_found(signed_in, neighbour_asset):
    other = neighbour_asset.site
    assert signed_in.get(join_url(other)).status_code == 404
    assert signed_in.post(join_url(other), join_form(other)).status_code == 404
    assert signed_in.post(reverse("pages:join-rejoin", args=[other.pk])).status_code == 404
    assert signed_in.post(reverse("pages:consent-withdraw", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.meter_consent_at is not None
    assert not AxleEvent.objects.exists()


# --- Joining --------------------------------------------------------------------------------------


def test_joining_happy_path_ends_in_youre_in(signed_in, new_site, asset, axle, token_call):
    axle.post(INITIALISE_URL, json=initialise_answer(asset, eligible=True))
    axle.post(TARIFF_URL, json={})
    axle.post(ENROL_URL, json={"site_id": fake.SITE_ID, "status": "enrolled"})

    response = signed_in.post(join_url(new_site), join_form(new_site), follow=True)
    assert "Setting up with Axle" in response.content.decode()
    new_site.refresh_from_db()
    assert new_site.meter_consent_at is not None
    assert AuditEntry.objects.filter(site=new_site, action=AuditAction.JOINED).count() == 1

    assert deliver(new_site) == 3  # initialise, then the tariff and the enrolment it led to
    sent = calls_to(axle, INITIALISE_URL)[0]
    consent_sent = datetime.fromisoformat(sent["site"]["gave_boundary_meter_consent_at"])
    assert consent_sent == new_site.meter_consent_at
    assert "then_enrol" not in sent
    assert calls_to(axle, ENROL_URL) == [{"proposition": "full_asset_schedule_control", "override_withdrawal": False}]
    enrolment = Enrolment.objects.get(site=new_site)
    assert (enrolment.proposition, enrolment.status) == (Proposition.SMART_CHARGING, EnrolmentStatus.ENROLLED)
    page = signed_in.get(join_url(new_site)).content.decode()
    assert "You're in" in page or "You&#x27;re in" in page
    assert 'name="mpan"' not in page


def test_the_proposition_for_new_users_comes_from_the_setting(signed_in, new_site, asset, settings):
    settings.NEW_USER_PROPOSITION = "limited_pause"
    signed_in.post(join_url(new_site), join_form(new_site))
    event = AxleEvent.objects.get(kind=EventKind.INITIALISE)
    assert event.payload["then_enrol"] == {"proposition": "limited_pause", "override_withdrawal": False}
    assert Enrolment.objects.get(site=new_site).proposition == Proposition.FLEX_LITE


def test_missing_charger_details_are_asked_for_and_sent_to_axle(signed_in, new_site, asset):
    Asset.objects.filter(pk=asset.pk).update(model="", installation_date=None)
    page = signed_in.get(join_url(new_site)).content.decode()
    assert f'name="model_{asset.pk}"' in page
    assert f'name="installed_{asset.pk}"' in page
    assert f'name="make_{asset.pk}"' not in page  # the make is known

    response = signed_in.post(join_url(new_site), join_form(new_site))
    assert response.status_code == 200
    assert "Enter the charger&#x27;s model: Axle needs it." in response.content.decode()
    assert not AxleEvent.objects.exists()

    signed_in.post(
        join_url(new_site), join_form(new_site, **{f"model_{asset.pk}": "Pro 7", f"installed_{asset.pk}": "2023-03-01"})
    )
    asset.refresh_from_db()
    assert (asset.model, str(asset.installation_date)) == ("Pro 7", "2023-03-01")
    sent = AxleEvent.objects.get(kind=EventKind.INITIALISE).payload["assets"][0]
    assert (sent["asset_model"], sent["installation_date"]) == ("Zappi Pro 7", "2023-03-01")


def test_consent_must_be_ticked(signed_in, new_site):
    response = signed_in.post(join_url(new_site), {"mpan": new_site.mpan})
    assert "Tick the box to agree to the terms" in response.content.decode()
    new_site.refresh_from_db()
    assert new_site.meter_consent_at is None
    assert not AxleEvent.objects.exists()


def test_axle_down_during_joining_completes_exactly_once_when_it_is_back(signed_in, new_site, asset, axle, token_call):
    down = axle.post(INITIALISE_URL, status=503, json={"detail": "Service Unavailable"})
    signed_in.post(join_url(new_site), join_form(new_site))
    assert deliver(new_site) == 0
    page = signed_in.get(join_url(new_site)).content.decode()
    assert "This finishes on its own, even if Axle is busy; you can leave this page." in page
    assert "Axle isn" in page  # and that it is retrying
    assert Enrolment.objects.get(site=new_site).status == EnrolmentStatus.PENDING

    axle.remove(down)
    axle.post(INITIALISE_URL, json=initialise_answer(asset, eligible=True))
    axle.post(TARIFF_URL, json={})
    axle.post(ENROL_URL, json={"site_id": fake.SITE_ID, "status": "enrolled"})
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert deliver(new_site) == 3
        assert deliver(new_site) == 0  # nothing left, nothing sent twice

    assert len(calls_to(axle, INITIALISE_URL)) == 2  # the refused attempt and the one that worked
    assert AxleEvent.objects.filter(kind=EventKind.INITIALISE).get().state == EventState.DELIVERED
    assert len(calls_to(axle, ENROL_URL)) == 1
    assert Enrolment.objects.filter(site=new_site).count() == 1
    assert Enrolment.objects.get(site=new_site).status == EnrolmentStatus.ENROLLED


def test_a_double_submitted_form_asks_axle_once(signed_in, new_site):
    first = signed_in.post(join_url(new_site), join_form(new_site), follow=True)
    consented_at = Site.objects.get(pk=new_site.pk).meter_consent_at
    second = signed_in.post(join_url(new_site), join_form(new_site), follow=True)
    assert "we&#x27;ve asked Axle" in first.content.decode()
    assert "nothing has changed" in second.content.decode()
    assert AxleEvent.objects.filter(kind=EventKind.INITIALISE).count() == 1
    assert Enrolment.objects.filter(site=new_site).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.JOINED).count() == 1
    assert Site.objects.get(pk=new_site.pk).meter_consent_at == consented_at


def test_an_mpan_of_another_household_is_refused_without_saying_whose(signed_in, new_site, neighbour_asset):
    theirs = neighbour_asset.site
    mine = new_site.mpan
    response = signed_in.post(join_url(new_site), join_form(new_site, mpan=theirs.mpan))
    page = response.content.decode()
    assert "already registered to another home" in page
    assert "contact us" in page
    assert theirs.street_address not in page
    new_site.refresh_from_db()
    assert (new_site.mpan, new_site.meter_consent_at) == (mine, None)
    assert not AxleEvent.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.JOINED).exists()


def test_an_mpan_with_a_wrong_check_digit_gets_the_validators_words(signed_in, new_site):
    good = valid_mpan(4242)
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    response = signed_in.post(join_url(new_site), join_form(new_site, mpan=bad))
    assert "its last digit does not match the others" in response.content.decode()
    new_site.refresh_from_db()
    assert new_site.meter_consent_at is None


def test_an_mpan_typed_with_spaces_is_accepted(signed_in, new_site):
    mpan = valid_mpan(777)
    spaced = f"{mpan[:2]} {mpan[2:6]} {mpan[6:10]} {mpan[10:]}"
    signed_in.post(join_url(new_site), join_form(new_site, mpan=spaced))
    new_site.refresh_from_db()
    assert new_site.mpan == mpan


# --- Axle's refusals --------------------------------------------------------------------------


def test_not_eligible_is_said_in_plain_words_with_what_to_do(signed_in, new_site, asset, axle, token_call):
    axle.post(INITIALISE_URL, json=initialise_answer(asset, eligible=False))
    signed_in.post(join_url(new_site), join_form(new_site))
    assert deliver(new_site) == 1
    assert not calls_to(axle, ENROL_URL)
    enrolment = Enrolment.objects.get(site=new_site)
    assert enrolment.status == EnrolmentStatus.FAILED
    page = signed_in.get(join_url(new_site)).content.decode()
    assert "Axle can&#x27;t take your home on yet" in page
    assert "We need your charger&#x27;s make and model." in page
    assert "We need the date your charger was installed." in page
    assert "your supplier needs to switch you to half-hourly settlement" in page.lower()
    assert "asset_model_not_set" not in page
    assert "{" not in page.split("<main")[1].split("</main>")[0]
    assert 'name="mpan"' in page  # the form is offered again once it is sorted


def test_withdrew_earlier_offers_rejoin_which_overrides_the_withdrawal(signed_in, new_site, asset, axle, token_call):
    axle.post(INITIALISE_URL, json=initialise_answer(asset, eligible=True))
    axle.post(TARIFF_URL, json={})
    refused = axle.post(ENROL_URL, status=422, json=WITHDREW_422)
    signed_in.post(join_url(new_site), join_form(new_site))
    deliver(new_site)
    assert calls_to(axle, ENROL_URL) == [{"proposition": "full_asset_schedule_control", "override_withdrawal": False}]
    page = signed_in.get(join_url(new_site)).content.decode()
    assert "You left the programme before" in page
    assert reverse("pages:join-rejoin", args=[new_site.pk]) in page
    assert "withdrew from full_asset_schedule_control" not in page  # Axle's own words stay with the admin

    axle.remove(refused)
    axle.post(ENROL_URL, json={"site_id": fake.SITE_ID, "status": "enrolled"})
    signed_in.post(reverse("pages:join-rejoin", args=[new_site.pk]))
    signed_in.post(reverse("pages:join-rejoin", args=[new_site.pk]))  # a second tap changes nothing
    deliver(new_site)
    assert calls_to(axle, ENROL_URL)[1:] == [
        {"proposition": "full_asset_schedule_control", "override_withdrawal": True}
    ]
    assert Enrolment.objects.get(site=new_site).status == EnrolmentStatus.ENROLLED
    assert "You&#x27;re in" in signed_in.get(join_url(new_site)).content.decode()


def test_rejoin_does_nothing_unless_axle_refused_for_an_earlier_withdrawal(signed_in, new_site):
    signed_in.post(reverse("pages:join-rejoin", args=[new_site.pk]))
    assert not AxleEvent.objects.exists()
    assert not Enrolment.objects.exists()


def test_a_charger_registered_elsewhere_says_contact_us(signed_in, new_site, asset, axle, token_call):
    axle.post(INITIALISE_URL, status=409, json={"detail": "Asset charger-001 belongs to another organisation"})
    signed_in.post(join_url(new_site), join_form(new_site))
    deliver(new_site)
    enrolment = Enrolment.objects.get(site=new_site)
    assert (enrolment.status, enrolment.axle_status_code) == (EnrolmentStatus.FAILED, 409)
    page = signed_in.get(join_url(new_site)).content.decode()
    assert "Your charger is registered somewhere else" in page
    assert "Contact us" in page
    assert "another organisation" not in page
    assert 'name="mpan"' not in page


# --- Withdrawing consent ----------------------------------------------------------------------


def test_withdrawing_consent_asks_to_confirm_first(signed_in, site, asset, smart):
    page = signed_in.get(reverse("pages:consent-withdraw", args=[site.pk])).content.decode()
    assert "Yes, withdraw my consent" in page
    site.refresh_from_db()
    assert site.meter_consent_at is not None
    assert not AxleEvent.objects.exists()


def test_consent_withdrawn_clears_it_unenrols_and_is_audited(signed_in, site, asset, axle, token_call):
    Site.objects.filter(pk=site.pk).update(axle_site_id=uuid.UUID(fake.SITE_ID))
    EnrolmentFactory(site=site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    EnrolmentFactory(site=site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.UNENROLLED)
    axle.post(UNENROL_URL, json={"site_id": fake.SITE_ID, "status": "unenrolled"})
    assert "Withdraw my consent" in signed_in.get(join_url(site)).content.decode()

    response = signed_in.post(reverse("pages:consent-withdraw", args=[site.pk]), follow=True)
    assert "Your consent is withdrawn" in response.content.decode()
    signed_in.post(reverse("pages:consent-withdraw", args=[site.pk]))  # twice: nothing more
    site.refresh_from_db()
    assert site.meter_consent_at is None
    unenrol = AxleEvent.objects.get(kind=EventKind.UNENROL)
    assert unenrol.payload == {"proposition": "full_asset_schedule_control"}
    entry = AuditEntry.objects.get(action=AuditAction.CONSENT_WITHDRAWN)
    assert (entry.site, entry.actor_label) == (site, "ann@example.com")
    # Nothing of Axle's stays on the charger: it is told to clear its profiles, once.
    clears = ChargerCommand.objects.filter(asset=asset, action=CommandAction.CLEAR_CHARGING_PROFILE)
    assert clears.count() == 1
    assert not Enrolment.objects.filter(site=site, status__in=[EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED])

    deliver(site)
    assert calls_to(axle, UNENROL_URL) == [{"proposition": "full_asset_schedule_control"}]
    assert Enrolment.objects.get(site=site, proposition=Proposition.SMART_CHARGING).status == EnrolmentStatus.UNENROLLED
    assert 'name="consent"' in signed_in.get(join_url(site)).content.decode()  # free to join again


def test_consent_withdrawn_while_axle_is_down_never_enrols(signed_in, new_site, asset, axle, token_call):
    signed_in.post(join_url(new_site), join_form(new_site))
    signed_in.post(reverse("pages:consent-withdraw", args=[new_site.pk]))
    assert AxleEvent.objects.get(kind=EventKind.INITIALISE).state == EventState.SUPERSEDED
    assert Enrolment.objects.get(site=new_site).status == EnrolmentStatus.UNENROLLED
    assert deliver(new_site) == 0
    assert not axle.calls


def test_consent_withdrawn_while_the_initialise_is_at_axle_enrols_nothing(signed_in, new_site, asset, axle, token_call):
    axle.post(INITIALISE_URL, json=initialise_answer(asset, eligible=True))
    axle.post(UNENROL_URL, json={"site_id": fake.SITE_ID, "status": "unenrolled"})
    signed_in.post(join_url(new_site), join_form(new_site))
    # A worker holds the initialise (sent, Axle's answer not back) when the homeowner withdraws.
    AxleEvent.objects.filter(kind=EventKind.INITIALISE).update(
        lease_token=uuid.uuid4(), lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    signed_in.post(reverse("pages:consent-withdraw", args=[new_site.pk]))
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        deliver(new_site)
    assert not calls_to(axle, ENROL_URL)
    assert not AxleEvent.objects.filter(kind__in=[EventKind.ENROL, EventKind.TARIFF]).exists()
    assert calls_to(axle, UNENROL_URL) == [{"proposition": "full_asset_schedule_control"}]
    assert Enrolment.objects.get(site=new_site).status == EnrolmentStatus.UNENROLLED
