"""Pausing and leaving: stop smart charging and start again; move out of a home."""

import datetime as dt
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from chargers.models import ChargerCommand, CommandAction, CommandState, Site
from smartcharging.models import (
    ApplyState,
    AuditAction,
    AuditEntry,
    AxleEvent,
    ChargingSchedule,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
)
from smartcharging.selectors import site_product
from smartcharging.services.delivery import site_events_deliver
from tests.factories import AssetFactory, EnrolmentFactory, SiteFactory, UserFactory
from tests.pages.builders import axle_example_schedule, text
from tests.smartcharging.axle import fake_axle

pytestmark = pytest.mark.django_db
SITE_URL = f"{fake_axle.BASE_URL}/entities/site/{fake_axle.SITE_ID}"
INFO_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/info"
TRANSACTIONS_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/transactions"
BALANCE_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/url/balance"
TARIFF_URL = f"{fake_axle.BASE_URL}/entities/asset/{fake_axle.ASSET_ID}/event/tariff-update"
NIGHT = dt.datetime(2026, 1, 12, 22, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def evening():
    with time_machine.travel(NIGHT + dt.timedelta(hours=1), tick=False):
        yield


@pytest.fixture
def site(homeowner):
    """The homeowner's home, at an address the tests type to confirm moving out."""
    return SiteFactory(household=homeowner.household, street_address="1 Acacia Avenue, London")


@pytest.fixture
def at_axle(site, asset):
    """The home and its charger as Axle knows them."""
    site.axle_site_id = uuid.UUID(fake_axle.SITE_ID)
    site.save()
    asset.axle_asset_id = uuid.UUID(fake_axle.ASSET_ID)
    asset.save()
    return site


@pytest.fixture
def second_charger(site):
    return AssetFactory(site=site)


@pytest.fixture
def axle_plan(asset):
    return axle_example_schedule(asset, start=NIGHT, apply_state=ApplyState.APPLIED)


@pytest.fixture
def rewards(axle):
    axle.get(INFO_URL, json=fake_axle.REWARDS_INFO)
    axle.get(TRANSACTIONS_URL, json=fake_axle.REWARDS_TRANSACTIONS)


def axle_bodies(axle, tail):
    return [json.loads(c.request.body or b"{}") for c in axle.calls if c.request.url.endswith(tail)]


def clear_commands():
    return ChargerCommand.objects.filter(action=CommandAction.CLEAR_CHARGING_PROFILE, state=CommandState.PENDING)


def snapshot(site):
    """Everything leaving may change, to show that a refused or repeated tap changed nothing."""
    site.refresh_from_db()
    return (
        site.household_id,
        site.axle_site_id,
        list(AxleEvent.objects.values_list("kind", "state")),
        list(ChargerCommand.objects.values_list("action", "state")),
        list(ChargingSchedule.objects.values_list("pk", "is_current")),
        list(Enrolment.objects.values_list("proposition", "status")),
        AuditEntry.objects.count(),
    )


# --- Stop smart charging, start again -------------------------------------------------------------


def test_stop_unenrols_puts_each_charger_on_its_own_schedule_and_keeps_rewards(
    signed_in, homeowner, at_axle, asset, second_charger, smart, axle_plan, token_call, rewards
):
    page = signed_in.get(f"/homes/{at_axle.pk}/membership/")
    assert "Smart charging: on" in text(page)
    assert "Your charger goes back to its own schedule straight away." in text(page)

    response = signed_in.post(f"/homes/{at_axle.pk}/membership/stop/", follow=True)

    words = text(response)
    assert "Smart charging is off. Your charger follows its own schedule from now on" in words
    assert "Smart charging: off" in words
    unenrol = AxleEvent.objects.get(kind=EventKind.UNENROL)
    assert unenrol.payload == {"proposition": Proposition.SMART_CHARGING}
    assert site_product(at_axle.pk) is None
    assert sorted(c.asset_id for c in clear_commands()) == [asset.pk, second_charger.pk]
    assert {tuple(c.payload) for c in clear_commands()} == {()}  # no filter: every profile we set goes
    axle_plan.refresh_from_db()
    assert not axle_plan.is_current
    assert not ChargingSchedule.objects.filter(asset__site=at_axle, is_current=True).exists()
    entry = AuditEntry.objects.get(action=AuditAction.STOPPED)
    assert (entry.site, entry.actor) == (at_axle, homeowner)
    plan = text(signed_in.get(f"/chargers/{asset.pk}/plan/"))
    assert "Smart charging is off, so the charger follows its own schedule." in plan
    rewards_page = text(signed_in.get(f"/homes/{at_axle.pk}/rewards/"))
    assert "Your balance £12.50" in rewards_page

    before = snapshot(at_axle)
    again = signed_in.post(f"/homes/{at_axle.pk}/membership/stop/", follow=True)
    assert "Smart charging was already off. Nothing has changed." in text(again)
    assert snapshot(at_axle) == before


def test_start_again_re_enrols_in_the_same_proposition_overriding_the_withdrawal(
    signed_in, homeowner, at_axle, asset, smart, tariff, axle, token_call
):
    axle.post(f"{SITE_URL}/unenrol", json={"site_id": fake_axle.SITE_ID, "status": "unenrolled"})
    axle.post(TARIFF_URL, json={})
    axle.post(f"{SITE_URL}/enrol", json={"site_id": fake_axle.SITE_ID, "status": "enrolled"})
    signed_in.post(f"/homes/{at_axle.pk}/membership/stop/")
    site_events_deliver(site_id=at_axle.pk)
    assert Enrolment.objects.get(site=at_axle).status == EnrolmentStatus.UNENROLLED
    page = text(signed_in.get(f"/homes/{at_axle.pk}/membership/"))
    assert "Start smart charging again" in page

    response = signed_in.post(f"/homes/{at_axle.pk}/membership/start/", follow=True)

    assert "Smart Charging is starting again." in text(response)
    assert site_product(at_axle.pk) == Proposition.SMART_CHARGING
    site_events_deliver(site_id=at_axle.pk)
    assert axle_bodies(axle, "/enrol") == [{"proposition": "full_asset_schedule_control", "override_withdrawal": True}]
    assert Enrolment.objects.get(site=at_axle).status == EnrolmentStatus.ENROLLED
    entry = AuditEntry.objects.get(action=AuditAction.RESTARTED)
    assert (entry.site, entry.actor) == (at_axle, homeowner)

    before = snapshot(at_axle)
    again = signed_in.post(f"/homes/{at_axle.pk}/membership/start/", follow=True)
    assert "Smart charging is already on. Nothing has changed." in text(again)
    assert snapshot(at_axle) == before


def test_a_flex_lite_home_starts_flex_lite_again(signed_in, at_axle, asset):
    EnrolmentFactory(site=at_axle, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    signed_in.post(f"/homes/{at_axle.pk}/membership/stop/")
    assert AxleEvent.objects.get(kind=EventKind.UNENROL).payload == {"proposition": Proposition.FLEX_LITE}
    response = signed_in.post(f"/homes/{at_axle.pk}/membership/start/", follow=True)
    assert "Flex Lite is starting again." in text(response)
    assert AxleEvent.objects.get(kind=EventKind.ENROL).payload == {
        "proposition": Proposition.FLEX_LITE,
        "override_withdrawal": True,
    }


def test_a_home_that_never_joined_has_nothing_to_start(signed_in, site, asset):
    page = text(signed_in.get(f"/homes/{site.pk}/membership/"))
    assert "This home hasn't joined smart charging, so your charger follows its own schedule." in page
    response = signed_in.post(f"/homes/{site.pk}/membership/start/", follow=True)
    assert "This home hasn't joined smart charging, so there's nothing to start again." in text(response)
    assert not AxleEvent.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_home_page_links_to_pausing_and_leaving(signed_in, site, asset, smart):
    page = signed_in.get("/")
    assert f'href="/homes/{site.pk}/membership/"' in page.content.decode()
    assert "Smart charging: on · pause or move out" in text(page)


# --- Moving out ------------------------------------------------------------------------------------


def test_the_moving_out_page_shows_the_balance_and_offers_the_withdrawal_first(
    signed_in, at_axle, axle, token_call, rewards
):
    page = signed_in.get(f"/homes/{at_axle.pk}/move-out/")
    html = page.content.decode()
    assert "Your balance £12.50" in text(page)
    withdraw = html.index(f'action="/homes/{at_axle.pk}/rewards/withdraw/"')
    assert withdraw < html.index(f'action="/homes/{at_axle.pk}/move-out/"')
    assert f'name="next" value="/homes/{at_axle.pk}/move-out/"' in html

    axle.get(BALANCE_URL, json=fake_axle.WITHDRAWAL_ANSWER)
    response = signed_in.post(f"/homes/{at_axle.pk}/rewards/withdraw/", {"next": f"/homes/{at_axle.pk}/move-out/"})
    assert (response.status_code, response["Location"]) == (302, fake_axle.WITHDRAWAL_URL)
    asked = [c.request.url for c in axle.calls if c.request.url.startswith(BALANCE_URL)]
    back = parse_qs(urlsplit(asked[0]).query)["redirect_uri"]
    assert back == [f"http://testserver/homes/{at_axle.pk}/move-out/"]


def test_a_withdrawal_link_axle_cannot_give_brings_the_homeowner_back_to_moving_out(
    signed_in, at_axle, axle, token_call
):
    axle.get(BALANCE_URL, status=503)
    response = signed_in.post(f"/homes/{at_axle.pk}/rewards/withdraw/", {"next": f"/homes/{at_axle.pk}/move-out/"})
    assert response["Location"] == f"/homes/{at_axle.pk}/move-out/"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"address_line": "1 Acacia Avenue"}, "Tick the box to show you've read what happens."),
        ({"understood": "on"}, "Type the first line of the address to confirm."),
        ({"understood": "on", "address_line": "2 Other Road"}, "That isn't this home's first line."),
    ],
)
def test_moving_out_without_the_confirmation_is_refused_in_words(
    signed_in, at_axle, asset, smart, axle_plan, answers, message, axle, token_call, rewards
):
    before = snapshot(at_axle)
    response = signed_in.post(f"/homes/{at_axle.pk}/move-out/", answers)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(at_axle) == before


def test_moving_out_offboards_clears_the_chargers_and_unlinks_the_household(
    signed_in, homeowner, at_axle, asset, second_charger, smart, axle_plan, axle, token_call
):
    response = signed_in.post(
        f"/homes/{at_axle.pk}/move-out/", {"understood": "on", "address_line": " 1 acacia AVENUE "}, follow=True
    )

    assert response.redirect_chain == [("/moved-out/", 302)]
    assert "You've moved out" in text(response)
    assert "You've moved out of 1 Acacia Avenue." in text(response)
    at_axle.refresh_from_db()
    assert at_axle.household_id is None
    offboard = AxleEvent.objects.get(site=at_axle)
    assert (offboard.kind, offboard.payload) == (EventKind.OFFBOARD, {})
    assert sorted(c.asset_id for c in clear_commands()) == [asset.pk, second_charger.pk]
    assert not ChargingSchedule.objects.filter(asset__site=at_axle, is_current=True).exists()
    assert site_product(at_axle.pk) is None  # nothing more is sent or accepted for the home
    entry = AuditEntry.objects.get(action=AuditAction.MOVED_OUT)
    assert (entry.site, entry.actor, entry.actor_label) == (at_axle, homeowner, homeowner.email)
    home = signed_in.get("/")
    assert "There's no charger on your account yet." in text(home)
    assert f"/chargers/{asset.pk}/" not in home.content.decode()
    for url in (
        f"/chargers/{asset.pk}/plan/",
        f"/chargers/{asset.pk}/needs/",
        f"/homes/{at_axle.pk}/tariff/",
        f"/homes/{at_axle.pk}/rewards/",
        f"/homes/{at_axle.pk}/membership/",
        f"/homes/{at_axle.pk}/move-out/",
    ):
        assert signed_in.get(url).status_code == 404, url
    again = signed_in.post(f"/homes/{at_axle.pk}/move-out/", {"understood": "on", "address_line": "1 Acacia Avenue"})
    assert again.status_code == 404
    assert AxleEvent.objects.count() == 1

    offboarded = axle.post(f"{SITE_URL}/offboard-site-and-assets", json={})
    site_events_deliver(site_id=at_axle.pk)
    assert offboarded.call_count == 1
    at_axle.refresh_from_db()
    asset.refresh_from_db()
    assert (at_axle.axle_site_id, asset.axle_asset_id) == (None, None)
    assert Enrolment.objects.get(site=at_axle).status == EnrolmentStatus.UNENROLLED


def test_moving_out_while_axle_is_down_is_retried_and_nothing_is_lost(
    signed_in, at_axle, asset, smart, axle, token_call
):
    offboard_url = f"{SITE_URL}/offboard-site-and-assets"
    axle.post(offboard_url, status=503, body="Service Unavailable")
    axle.post(offboard_url, json={})
    signed_in.post(f"/homes/{at_axle.pk}/move-out/", {"understood": "on", "address_line": "1 Acacia Avenue"})
    at_axle.refresh_from_db()
    assert at_axle.household_id is None  # removed at once, whatever Axle does

    site_events_deliver(site_id=at_axle.pk)
    event = AxleEvent.objects.get(kind=EventKind.OFFBOARD)
    assert (event.state, event.attempts, event.last_status_code) == (EventState.PENDING, 1, 503)
    at_axle.refresh_from_db()
    assert at_axle.axle_site_id == uuid.UUID(fake_axle.SITE_ID)

    with time_machine.travel(event.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        site_events_deliver(site_id=at_axle.pk)
    event.refresh_from_db()
    assert event.state == EventState.DELIVERED
    at_axle.refresh_from_db()
    assert at_axle.axle_site_id is None


def test_a_home_axle_never_knew_moves_out_without_an_offboarding(signed_in, site, asset):
    page = text(signed_in.get(f"/homes/{site.pk}/move-out/"))
    assert "This home hasn't earned any rewards, so there's nothing to withdraw." in page
    signed_in.post(f"/homes/{site.pk}/move-out/", {"understood": "on", "address_line": "1 Acacia Avenue"})
    site.refresh_from_db()
    assert site.household_id is None
    assert not AxleEvent.objects.exists()
    assert "nothing to offboard" in AuditEntry.objects.get(action=AuditAction.MOVED_OUT).outcome


# --- Scoping ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "membership/"),
        ("post", "membership/stop/"),
        ("post", "membership/start/"),
        ("get", "move-out/"),
        ("post", "move-out/"),
    ],
)
def test_another_households_home_is_not_found(signed_in, neighbour_asset, method, path):
    neighbours = neighbour_asset.site
    EnrolmentFactory(site=neighbours, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    answers = {"understood": "on", "address_line": neighbours.street_address.split(",")[0]}
    response = getattr(signed_in, method)(f"/homes/{neighbours.pk}/{path}", answers if method == "post" else None)
    assert response.status_code == 404
    neighbours.refresh_from_db()
    assert neighbours.household_id is not None
    assert site_product(neighbours.pk) == Proposition.SMART_CHARGING
    assert not AxleEvent.objects.exists()
    assert not ChargerCommand.objects.exists()


def test_pages_need_a_signed_in_user(client, site):
    response = client.get(f"/homes/{site.pk}/move-out/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_a_second_household_member_sees_the_home_gone(client, homeowner, site, asset):
    partner = UserFactory(email="cat@example.com", household=homeowner.household)
    client.force_login(partner)
    assert client.get(f"/chargers/{asset.pk}/plan/").status_code == 200
    client.force_login(homeowner)
    client.post(f"/homes/{site.pk}/move-out/", {"understood": "on", "address_line": "1 Acacia Avenue"})
    client.force_login(partner)
    assert client.get(f"/chargers/{asset.pk}/plan/").status_code == 404
    assert Site.objects.filter(pk=site.pk, household__isnull=True).exists()
