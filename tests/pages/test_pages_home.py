"""Home: each charger's state in words and a one-line verdict on whether the car will be ready."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from chargers.models import OcppTransaction, PlugSession
from tests.pages.builders import axle_example_schedule, charger_state, text

pytestmark = pytest.mark.django_db
# Winter, so the site's clock (Europe/London) reads UTC: 22:10 on Wednesday 14 January 2026.
EVENING = dt.datetime(2026, 1, 14, 22, 10, tzinfo=dt.UTC)
PLUGGED_AT = dt.datetime(2026, 1, 14, 21, 58, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def evening():
    with time_machine.travel(EVENING, tick=False):
        yield


@pytest.fixture
def plugged_in(asset):
    return PlugSession.objects.create(asset=asset, plugged_in_at=PLUGGED_AT)


def home(client):
    page = client.get("/")
    assert page.status_code == 200
    return page.context["overviews"][0], text(page)


def test_unplugged_with_an_intent(signed_in, intent, tariff):
    charger_state(intent.asset, status="Available")
    overview, page = home(signed_in)
    assert overview.status.words == "Unplugged"
    assert "Plug in for 30 kWh by 07:00 tomorrow" in page
    assert "Usually" in page
    assert "30 kWh by 07:00" in page


def test_plugged_in_waiting_for_a_plan(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="Preparing")
    overview, page = home(signed_in)
    assert overview.status.words == "Plugged in, waiting for a plan"
    assert "Waiting for a plan for 30 kWh by 07:00 tomorrow" in page


def test_paused_by_plan_and_ready_in_time(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="SuspendedEVSE")
    axle_example_schedule(intent.asset, start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC))
    overview, page = home(signed_in)
    assert overview.status.words == "Paused by plan"
    assert "Charging starts at 23:30." in page
    assert overview.verdict.text == "Ready by 07:00 with 30\xa0kWh"  # never split from its unit
    assert overview.verdict.tone == "good"
    assert "30 kWh reached by 03:34." in page  # 03:33:15, rounded up


def test_a_plan_that_falls_short_says_why_in_red_and_what_to_do(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="SuspendedEVSE")
    intent.energy_required_kwh = Decimal("60")
    intent.save()
    axle_example_schedule(intent.asset, start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC))
    overview, page = home(signed_in)
    assert overview.verdict.text == "Won't be ready by 07:00"
    assert overview.verdict.tone == "bad"
    assert "By 07:00 the plan adds 44.4 kWh of the 60 kWh you asked for. Allow peak-time charging" in page
    assert 'class="verdict tone-bad"' in signed_in.get("/").content.decode()


def test_a_ready_by_before_the_plan_ends_counts_only_what_arrives_in_time(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="SuspendedEVSE")
    intent.ready_by_local_time = dt.time(1, 30)
    intent.save()
    axle_example_schedule(intent.asset, start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC))
    overview, page = home(signed_in)
    assert overview.verdict.text == "Won't be ready by 01:30"
    assert "By 01:30 the plan adds 14.8 kWh of the 30 kWh you asked for." in page  # 2 h at 7.4 kW


def test_charging_shows_what_has_been_added(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="Charging")
    OcppTransaction.objects.create(
        asset=intent.asset, session=plugged_in, id_tag="T1", started_at=PLUGGED_AT, meter_start_wh=1000
    )
    intent.asset.meter_samples.create(taken_at=EVENING - dt.timedelta(minutes=1), register_wh=5400)
    overview, _ = home(signed_in)
    assert overview.status.words == "Charging"
    assert overview.status.detail == "4.4\xa0kWh added so far."


def test_ready_once_the_need_is_met(signed_in, intent, tariff, plugged_in):
    charger_state(intent.asset, status="SuspendedEV")
    OcppTransaction.objects.create(
        asset=intent.asset,
        session=plugged_in,
        id_tag="T1",
        started_at=PLUGGED_AT,
        meter_start_wh=0,
        stopped_at=EVENING,
        meter_stop_wh=31000,
    )
    overview, page = home(signed_in)
    assert overview.status.words == "Ready"
    assert "Ready: 31 kWh added" in page


def test_offline_since_when_and_what_to_do(signed_in, intent, tariff):
    charger_state(intent.asset, connected=False, disconnected_at=dt.datetime(2026, 1, 14, 19, 5, tzinfo=dt.UTC))
    overview, page = home(signed_in)
    assert overview.status.words == "Offline"
    assert overview.status.detail == "Since 19:05 today."
    assert "Charger offline: it can't follow the plan" in page


def test_no_intent_yet_asks_for_one(signed_in, asset):
    _, page = home(signed_in)
    assert "Tell us what you need" in page
    assert "Set what I need" in page
    assert f'href="/chargers/{asset.pk}/needs/"' in signed_in.get("/").content.decode()


def test_times_are_on_the_sites_clock_in_summer(client, homeowner, intent, tariff):
    charger_state(intent.asset, status="Available")
    with time_machine.travel(dt.datetime(2026, 7, 1, 21, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(homeowner)
        overview, page = home(client)
    assert overview.effective.ready_by == dt.datetime(2026, 7, 2, 6, 0, tzinfo=dt.UTC)
    assert "Plug in for 30 kWh by 07:00 tomorrow" in page  # 07:00 BST, not 06:00 UTC
