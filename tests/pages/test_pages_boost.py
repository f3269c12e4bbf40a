"""'Charge now' for some hours, and stopping it, through the boost service."""

import datetime as dt

import pytest
import time_machine

from smartcharging.models import AxleEvent, EventKind
from tests.pages.builders import charger_state, text

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 1, 14, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def evening():
    with time_machine.travel(NOW, tick=False):
        yield


def test_charge_now_for_three_hours_then_stop(signed_in, intent, tariff, smart):
    asset = intent.asset
    charger_state(asset, status="Charging")
    response = signed_in.post(f"/chargers/{asset.pk}/boost/", {"hours": "3", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    event = AxleEvent.objects.get(kind=EventKind.CHARGE_NOW)
    assert event.payload == {"end_at": "2026-01-14T21:00:00+00:00"}
    page = text(response)
    assert "Charging now until 21:00. Your plan takes over again after that." in page
    assert "Charging now (boost)" in page
    assert "Stop boost, back to the plan" in page

    stopped = signed_in.post(f"/chargers/{asset.pk}/boost/stop/", {"next": f"/chargers/{asset.pk}/plan/"}, follow=True)
    assert stopped.redirect_chain == [(f"/chargers/{asset.pk}/plan/", 302)]
    assert AxleEvent.objects.filter(kind=EventKind.CHARGE_NOW_DELETED).count() == 1
    assert "Boost stopped. Your plan is back in charge." in text(stopped)
    assert "Stop boost" not in text(stopped)


def test_boost_needs_smart_charging_and_says_so(signed_in, intent):
    response = signed_in.post(f"/chargers/{intent.asset.pk}/boost/", {"hours": "2"}, follow=True)
    assert "Boost is part of Smart Charging, which this charger is not enrolled in." in text(response)
    assert not AxleEvent.objects.exists()


def test_an_unknown_duration_is_refused(signed_in, intent, smart):
    response = signed_in.post(f"/chargers/{intent.asset.pk}/boost/", {"hours": "99"}, follow=True)
    assert "Choose how long to charge for." in text(response)
    assert not AxleEvent.objects.filter(kind=EventKind.CHARGE_NOW).exists()


def test_next_cannot_send_the_homeowner_elsewhere(signed_in, intent, smart):
    response = signed_in.post(f"/chargers/{intent.asset.pk}/boost/", {"hours": "1", "next": "https://evil.example/"})
    assert response["Location"] == f"/chargers/{intent.asset.pk}/plan/"
