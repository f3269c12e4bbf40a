"""An operator onboards existing users with Axle's advanced flow, and chargers added or replaced later."""

import copy
import datetime as dt
import json
import re
import uuid

import pytest

from accounts.models import User
from chargers.models import Asset, ChargerState, Site
from smartcharging.models import (
    AuditAction,
    AuditEntry,
    AxleEvent,
    AxleEventAttempt,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
    SiteEligibility,
)
from smartcharging.services import delivery
from smartcharging.services.charger_reports import status_reported
from smartcharging.services.onboarding import charger_changed, sites_initialise_request
from smartcharging.services.outbox import event_enqueue
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, SiteFactory, TariffFactory
from tests.smartcharging.axle import fake_axle

pytestmark = pytest.mark.django_db
INITIALISE_URL = f"{fake_axle.BASE_URL}/entities/site/initialise"
ENROL_URL = f"{fake_axle.BASE_URL}/entities/site/{fake_axle.SITE_ID}/enrol"


def eligible_answer():
    answer = copy.deepcopy(fake_axle.INITIALISE_ANSWER)
    answer["eligibility"]["eligible_propositions"] = ["limited_pause", "full_asset_schedule_control"]
    answer["eligibility"]["assets"][0]["propositions"][1] = {
        "proposition": "full_asset_schedule_control",
        "is_eligible": True,
        "issues": [],
    }
    return answer


@pytest.fixture
def existing_user():
    """A household the platform had before Axle: a site with one charger, its tariff and intent."""
    asset = AssetFactory(external_id="charger-001")
    TariffFactory(site=asset.site, off_peak_windows="23:30-05:30")
    ChargingIntentFactory(asset=asset)
    return asset.site


def calls(axle):
    """(path, JSON body) of each call to Axle but the token's (a form)."""
    return [
        (c.request.url.removeprefix(fake_axle.BASE_URL), json.loads(c.request.body or b"{}"))
        for c in axle.calls
        if not c.request.url.endswith("/auth/token-form")
    ]


def test_an_eligible_site_is_initialised_then_enrolled_with_its_tariff(existing_user, axle, token_call):
    axle.post(INITIALISE_URL, json=eligible_answer())
    axle.post(f"{fake_axle.BASE_URL}/entities/asset/{fake_axle.ASSET_ID}/event/tariff-update", json={})
    axle.post(ENROL_URL, json={"site_id": fake_axle.SITE_ID, "status": "enrolled"})
    queued, refused = sites_initialise_request(
        sites=[existing_user], proposition=Proposition.SMART_CHARGING, actor=None
    )
    assert (queued, refused) == ([existing_user], {})
    delivery.site_events_deliver(site_id=existing_user.pk)

    paths = [path for path, _ in calls(axle)]
    assert paths == [
        "/entities/site/initialise",
        f"/entities/asset/{fake_axle.ASSET_ID}/event/tariff-update",
        f"/entities/site/{fake_axle.SITE_ID}/enrol",
    ]
    initialise_body = calls(axle)[0][1]
    assert set(initialise_body) == {"site", "assets"}  # our own "then_enrol" never reaches Axle
    existing_user.refresh_from_db()
    assert str(existing_user.axle_site_id) == fake_axle.SITE_ID
    assert str(existing_user.assets.get().axle_asset_id) == fake_axle.ASSET_ID
    assert SiteEligibility.objects.get(site=existing_user).smart_charging
    enrolment = Enrolment.objects.get(site=existing_user, proposition=Proposition.SMART_CHARGING)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    # What Axle changed on its side is kept with the attempt, for the admin.
    attempt = AxleEventAttempt.objects.get(event__kind=EventKind.INITIALISE)
    assert attempt.message == "site: updated email"


def test_a_site_axle_finds_ineligible_is_not_enrolled_and_says_why(existing_user, axle, token_call):
    axle.post(INITIALISE_URL, json=fake_axle.INITIALISE_ANSWER)  # Smart Charging not eligible
    sites_initialise_request(sites=[existing_user], proposition=Proposition.SMART_CHARGING, actor=None)
    delivery.site_events_deliver(site_id=existing_user.pk)
    assert [path for path, _ in calls(axle)] == ["/entities/site/initialise"]
    assert not AxleEvent.objects.filter(kind=EventKind.ENROL).exists()
    enrolment = Enrolment.objects.get(site=existing_user, proposition=Proposition.SMART_CHARGING)
    assert enrolment.status == EnrolmentStatus.FAILED
    refusal = AuditEntry.objects.get(action=AuditAction.ONBOARDING_REFUSED)
    assert refusal.outcome == (
        "Axle says the site is not eligible for Smart Charging (full schedule control): "
        "charger-001: asset_model_not_set, asset_installation_date_not_set"
    )


def test_sites_that_cannot_be_sent_are_refused_in_words(existing_user):
    no_consent = AssetFactory(site__meter_consent_at=None).site
    no_charger = SiteFactory()
    joined = AssetFactory().site
    EnrolmentFactory(site=joined, status=EnrolmentStatus.ENROLLED)
    queued, refused = sites_initialise_request(
        sites=[no_consent, no_charger, joined], proposition=Proposition.SMART_CHARGING, actor=None
    )
    assert queued == []
    assert refused == {
        no_consent: "The homeowner has not consented to Axle reading their meter yet.",
        no_charger: "The site has no charger to onboard.",
        joined: "Already in Smart Charging (full schedule control) (or joining it).",
    }
    assert not AxleEvent.objects.exists()


def test_the_admin_action_onboards_and_the_site_page_shows_what_axle_changed(existing_user, client, axle, token_call):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    response = client.post(
        "/admin/chargers/site/", {"action": "onboard_with_axle", "_selected_action": [existing_user.pk]}, follow=True
    )
    assert "1 site(s) sent to Axle to initialise" in response.content.decode()
    axle.post(INITIALISE_URL, json=fake_axle.INITIALISE_ANSWER)
    delivery.site_events_deliver(site_id=existing_user.pk)
    page = client.get(f"/admin/chargers/site/{existing_user.pk}/change/").content.decode()
    assert "Initialise site and chargers (no enrolment)" in page
    assert "site: updated email" in page
    assert "Onboarding refused (not eligible)" in page


@pytest.fixture
def smart_site():
    """A site enrolled in Smart Charging at Axle, with one charger and a tariff."""
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, status=EnrolmentStatus.ENROLLED)
    TariffFactory(site=asset.site)
    return asset.site


def test_a_charger_added_in_the_admin_is_sent_to_axle_with_the_sites_others(smart_site, client):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    response = client.post(
        "/admin/chargers/asset/add/",
        {
            "site": smart_site.pk,
            "external_id": "chg_second",
            "ocpp_charge_point_id": "CP-GARAGE-2",
            "make": "Ohme",
            "model": "ePod",
            "installation_date": "2026-11-20",
            "rated_power_kw": "7.4",
            "phases": "1",
            "max_current_a": "32",
            "min_current_a": "6",
            "rate_units": "W,A",
        },
        follow=True,
    )
    assert "Axle will be told about charger CP-GARAGE-2" in response.content.decode()
    event = AxleEvent.objects.get(kind=EventKind.INITIALISE)
    assert sorted(a["external_id"] for a in event.payload["assets"]) == sorted(
        [smart_site.assets.order_by("pk").first().external_id, "chg_second"]
    )
    assert event.payload["then_enrol"] == {"proposition": "full_asset_schedule_control", "override_withdrawal": False}
    assert AuditEntry.objects.get(action=AuditAction.CHARGER_ADDED).outcome == (
        "Charger CP-GARAGE-2 added. Axle's record updated."
    )


def test_a_replaced_charger_updates_axles_record_and_forgets_the_old_hardwares_configuration(smart_site):
    asset = smart_site.assets.get()
    ChargerState.objects.create(asset=asset, allowed_rate_units="Power", max_stack_level=8, connected=False)

    asset.ocpp_charge_point_id, asset.model = "CP-NEW-HARDWARE", "v3"
    asset.save()
    assert charger_changed(asset=asset, created=False, changed=["ocpp_charge_point_id", "model"], actor=None)
    state = ChargerState.objects.get(asset=asset)
    assert (state.allowed_rate_units, state.max_stack_level) == ("", None)
    event = AxleEvent.objects.get(kind=EventKind.INITIALISE)
    assert event.payload["assets"][0]["external_id"] == asset.external_id  # the same asset at Axle, updated
    assert "deleted" not in json.dumps(event.payload)
    entry = AuditEntry.objects.get(action=AuditAction.CHARGER_REPLACED)
    assert entry.outcome == "Charger CP-NEW-HARDWARE changed (model, ocpp_charge_point_id). Axle's record updated."


def test_a_change_axle_does_not_know_of_tells_axle_nothing(smart_site):

    asset = smart_site.assets.get()
    assert not charger_changed(asset=asset, created=False, changed=["min_current_a"], actor=None)
    assert not AxleEvent.objects.exists()


def test_a_charger_at_a_site_axle_does_not_know_waits_for_joining(db):

    asset = AssetFactory()
    assert not charger_changed(asset=asset, created=True, changed=[], actor=None)
    assert not AxleEvent.objects.exists()
    assert (
        AuditEntry.objects.get(action=AuditAction.CHARGER_ADDED).outcome
        == f"Charger {asset.ocpp_charge_point_id} added."
    )


def test_offboarding_forgets_axles_ids_and_ends_the_enrolments(smart_site, axle, token_call):
    axle.post(f"{fake_axle.BASE_URL}/entities/site/{smart_site.axle_site_id}/offboard-site-and-assets", body="")
    from django.db import transaction

    with transaction.atomic():
        event_enqueue(site=smart_site, kind=EventKind.OFFBOARD, payload={})
    delivery.site_events_deliver(site_id=smart_site.pk)
    assert AxleEvent.objects.get(kind=EventKind.OFFBOARD).state == EventState.DELIVERED
    smart_site.refresh_from_db()
    assert smart_site.axle_site_id is None
    assert smart_site.assets.get().axle_asset_id is None
    assert set(smart_site.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.UNENROLLED}


def test_a_charger_offline_at_enrolment_reports_its_plug_state_when_it_next_reports(smart_site):
    """Enrolled while its charger was offline: the car plugged in meanwhile is announced when it reconnects."""
    asset = smart_site.assets.get()
    assert not AxleEvent.objects.filter(kind=EventKind.PLUG_IN).exists()  # nothing known at enrolment
    status_reported(asset, connector_id=1, status="Charging", at=dt.datetime(2027, 1, 12, 22, tzinfo=dt.UTC))
    plug_in = AxleEvent.objects.get(kind=EventKind.PLUG_IN)
    assert plug_in.asset == asset
    assert Asset.objects.get(pk=asset.pk).plug_sessions.filter(plugged_out_at__isnull=True).exists()
    assert Site.objects.get(pk=smart_site.pk).enrolments.get().status == EnrolmentStatus.ENROLLED


def test_after_a_charger_is_added_axle_initialises_and_the_new_charger_gets_the_tariff(axle, token_call):
    site = AssetFactory(
        external_id="charger-001", axle_asset_id=fake_axle.ASSET_ID, site__axle_site_id=fake_axle.SITE_ID
    ).site
    EnrolmentFactory(site=site, status=EnrolmentStatus.ENROLLED)
    TariffFactory(site=site)
    second = AssetFactory(site=site, external_id="charger-002")
    charger_changed(asset=second, created=True, changed=[], actor=None)
    answer = eligible_answer()
    second_id = str(uuid.uuid4())
    answer["assets"] = [*answer["assets"], {**answer["assets"][0], "asset_id": second_id, "external_id": "charger-002"}]
    axle.post(INITIALISE_URL, json=answer)
    axle.post(re.compile(rf"{fake_axle.BASE_URL}/entities/asset/.*/event/tariff-update"), json={})
    axle.post(ENROL_URL, json={"site_id": fake_axle.SITE_ID, "status": "already_enrolled"})
    delivery.site_events_deliver(site_id=site.pk)
    assert [path for path, _ in calls(axle)] == [
        "/entities/site/initialise",
        f"/entities/asset/{fake_axle.ASSET_ID}/event/tariff-update",
        f"/entities/asset/{second_id}/event/tariff-update",
        f"/entities/site/{fake_axle.SITE_ID}/enrol",
    ]
    assert str(Asset.objects.get(pk=second.pk).axle_asset_id) == second_id
    assert Enrolment.objects.get(site=site).status == EnrolmentStatus.ENROLLED


def test_an_enrolled_site_found_ineligible_after_a_charger_change_stays_enrolled(axle, token_call):
    site = AssetFactory(
        external_id="charger-001", axle_asset_id=fake_axle.ASSET_ID, site__axle_site_id=fake_axle.SITE_ID
    ).site
    EnrolmentFactory(site=site, status=EnrolmentStatus.ENROLLED)
    charger_changed(asset=site.assets.get(), created=False, changed=["model"], actor=None)
    axle.post(INITIALISE_URL, json=fake_axle.INITIALISE_ANSWER)  # Smart Charging not eligible
    delivery.site_events_deliver(site_id=site.pk)
    assert Enrolment.objects.get(site=site).status == EnrolmentStatus.ENROLLED
    assert AuditEntry.objects.get(action=AuditAction.ONBOARDING_REFUSED).outcome.endswith(
        "The site stays enrolled; fix what Axle names."
    )
