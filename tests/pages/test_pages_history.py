"""History: past plug sessions with energy, cost and plan; rewards from Axle, in pounds."""

import datetime as dt
import logging
import uuid
from decimal import Decimal

import pytest
import time_machine

from chargers.models import HalfHourEnergy, OcppTransaction, PlugSession
from smartcharging.models import ApplyState, ScheduleSource
from tests.pages.builders import axle_example_schedule, text
from tests.smartcharging.axle import fake_axle

pytestmark = pytest.mark.django_db
INFO_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/info"
TRANSACTIONS_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/transactions"
BALANCE_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/url/balance"
NIGHT = dt.datetime(2026, 1, 12, 22, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def later():
    with time_machine.travel(dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def at_axle(site):
    site.axle_site_id = uuid.UUID(fake_axle.SITE_ID)
    site.save()
    return site


def session(asset, start, hours):
    return PlugSession.objects.create(
        asset=asset, plugged_in_at=start, plugged_out_at=start + dt.timedelta(hours=hours)
    )


def test_sessions_with_energy_cost_and_plan(signed_in, asset, tariff):
    followed = session(asset, NIGHT, 9)
    # Energy from the half hours: 3 kWh in a peak half hour (22:00) and 20 kWh off-peak.
    HalfHourEnergy.objects.create(asset=asset, interval_start=NIGHT, energy_kwh=Decimal("3"))
    for i in range(4):
        HalfHourEnergy.objects.create(
            asset=asset, interval_start=NIGHT + dt.timedelta(hours=2, minutes=30 * i), energy_kwh=Decimal("5")
        )
    axle_example_schedule(
        asset, start=NIGHT, received_at=NIGHT + dt.timedelta(minutes=1), apply_state=ApplyState.APPLIED
    )
    # The night before: energy from the charger's own transaction, no plan.
    earlier = session(asset, NIGHT - dt.timedelta(days=1), 8)
    OcppTransaction.objects.create(
        asset=asset,
        session=earlier,
        id_tag="T1",
        started_at=earlier.plugged_in_at,
        meter_start_wh=1000,
        stopped_at=earlier.plugged_out_at,
        meter_stop_wh=13500,
    )
    response = signed_in.get("/history/")
    rows = response.context["rows"]
    assert [r.session for r in rows] == [followed, earlier]
    assert rows[0].energy_kwh == Decimal("23")
    assert rows[0].cost_pence == Decimal("264")  # 3 x 28p + 20 x 9p
    assert rows[0].plan_words == "Followed Axle's plan"
    assert (rows[1].energy_kwh, rows[1].cost_pence) == (Decimal("12.5"), None)
    assert rows[1].plan_words == "No plan: charged straight away"
    page = text(response)
    assert "Mon 12 Jan" in page
    assert "22:00 to 07:00 Tue" in page
    assert "23 kWh" in page
    assert "about £2.64" in page


def test_the_fallback_is_named(signed_in, asset, tariff):
    session(asset, NIGHT, 9)
    axle_example_schedule(
        asset, start=NIGHT, received_at=NIGHT + dt.timedelta(minutes=11), source=ScheduleSource.FALLBACK
    )
    assert signed_in.get("/history/").context["rows"][0].plan_words == "Backup plan charged the car"


def test_no_sessions_yet(signed_in, asset):
    assert "No charging sessions yet." in text(signed_in.get("/history/"))


def test_rewards_are_loaded_after_the_page_in_pounds(signed_in, at_axle, axle, token_call):
    page = signed_in.get("/history/")
    assert f'data-load="/homes/{at_axle.pk}/rewards/"' in page.content.decode()
    axle.get(INFO_URL, json=fake_axle.REWARDS_INFO)
    axle.get(TRANSACTIONS_URL, json=fake_axle.REWARDS_TRANSACTIONS)
    fragment = signed_in.get(f"/homes/{at_axle.pk}/rewards/", HTTP_X_FRAGMENT="1")
    words = text(fragment)
    assert "<html" not in fragment.content.decode()
    assert "Your balance £12.50" in words
    assert "£42.50 earned in total" in words
    assert "Flex event" in words
    assert "+£1.50" in words
    assert "Withdrawal (posted)" in words
    assert "\u2212£30.00" in words
    assert "Withdraw my balance" in words


def test_rewards_page_without_javascript(signed_in, at_axle, axle, token_call):
    axle.get(INFO_URL, json=fake_axle.REWARDS_INFO | {"can_withdraw": False, "current_balance_pence": 200})
    axle.get(TRANSACTIONS_URL, json=fake_axle.REWARDS_TRANSACTIONS)
    page = signed_in.get(f"/homes/{at_axle.pk}/rewards/")
    words = text(page)
    assert "<html" in page.content.decode()
    assert "You can withdraw once your balance reaches £5.00." in words


def test_axle_down_is_a_friendly_message_not_an_error(signed_in, at_axle, axle, token_call):
    axle.get(INFO_URL, status=503, json={"detail": "Service Unavailable"})
    response = signed_in.get(f"/homes/{at_axle.pk}/rewards/", HTTP_X_FRAGMENT="1")
    assert response.status_code == 200
    assert "Your rewards cannot be shown right now. Nothing is lost: please try again later." in text(response)


def test_a_home_not_yet_at_axle(signed_in, site):
    response = signed_in.get(f"/homes/{site.pk}/rewards/", HTTP_X_FRAGMENT="1")
    assert "Rewards appear here once your home has joined the programme." in text(response)


def test_withdrawal_link_is_fetched_on_demand_and_never_logged(signed_in, at_axle, axle, token_call, caplog):
    caplog.set_level(logging.DEBUG)
    balance = axle.get(BALANCE_URL, json=fake_axle.WITHDRAWAL_ANSWER)
    assert signed_in.get("/history/").status_code == 200
    assert balance.call_count == 0  # not fetched by showing the page
    response = signed_in.post(f"/homes/{at_axle.pk}/rewards/withdraw/")
    assert response.status_code == 302
    assert response["Location"] == fake_axle.WITHDRAWAL_URL
    assert response["Cache-Control"] == "no-store"
    assert balance.call_count == 1
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fhistory%2F" in balance.calls[0].request.url
    assert fake_axle.WITHDRAWAL_URL not in caplog.text
    assert signed_in.get(f"/homes/{at_axle.pk}/rewards/withdraw/").status_code == 405


def test_withdrawal_with_axle_down(signed_in, at_axle, axle, token_call):
    axle.get(BALANCE_URL, status=503, json={"detail": "Service Unavailable"})
    response = signed_in.post(f"/homes/{at_axle.pk}/rewards/withdraw/", follow=True)
    assert response.redirect_chain == [("/history/", 302)]
    assert "The withdrawal page cannot be opened right now; your balance is safe." in text(response)
