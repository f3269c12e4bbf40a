"""Setting what the car needs: the routine, per-weekday times, and a one-off change for tonight."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from smartcharging.models import AxleEvent, ChargingIntent, ChargingMode, EventKind, EventState
from tests.pages.builders import text

pytestmark = pytest.mark.django_db

ROUTINE = {
    "amount_in": "kwh",
    "energy_kwh": "40",
    "distance_unit": "mi",
    "efficiency": "3.5",
    "ready_by": "06:30",
    "charging_mode": ChargingMode.MAXIMISE.value,
    "may_charge_peak": "on",
}


def url(asset, what="needs"):
    return f"/chargers/{asset.pk}/{what}/"


def test_the_form_starts_from_the_current_intent(signed_in, intent):
    page = signed_in.get(url(intent.asset))
    assert page.status_code == 200
    form = page.context["routine"]
    assert form.initial["energy_kwh"] == "30"
    assert form.initial["ready_by"] == dt.time(7)
    assert "Next charge: 30 kWh by 07:00" in text(page)


def test_saving_the_routine_tells_axle_and_says_so(signed_in, intent, smart):
    response = signed_in.post(url(intent.asset), ROUTINE | {"day_5": "09:00", "day_6": "09:30"}, follow=True)
    assert response.redirect_chain == [(url(intent.asset), 302)]
    intent.refresh_from_db()
    assert intent.energy_required_kwh == Decimal("40")
    assert intent.ready_by_local_time == dt.time(6, 30)
    assert intent.charging_mode == ChargingMode.MAXIMISE
    assert intent.may_charge_peak
    assert not intent.energy_estimated
    assert (intent.ready_by_saturday, intent.ready_by_sunday, intent.ready_by_monday) == (
        dt.time(9),
        dt.time(9, 30),
        None,
    )
    event = AxleEvent.objects.get(kind=EventKind.INTENT)
    assert event.payload["intent"]["energy_required_kwh"] == 40.0
    assert "We've sent it to Axle, who will update your plan" in text(response)


def test_first_intent_for_a_charger_without_one(signed_in, asset):
    signed_in.post(url(asset), ROUTINE)
    assert ChargingIntent.objects.get(asset=asset).energy_required_kwh == Decimal("40")


def test_a_double_submit_is_harmless(signed_in, intent, smart):
    for _ in range(2):
        signed_in.post(url(intent.asset), ROUTINE)
    assert ChargingIntent.objects.filter(asset=intent.asset).count() == 1
    # The older event still waiting is dropped: Axle gets the newest intent once.
    assert AxleEvent.objects.filter(kind=EventKind.INTENT, state=EventState.PENDING).count() == 1


def test_when_axle_is_behind_the_page_says_the_plan_will_follow(signed_in, intent, smart):
    AxleEvent.objects.create(site=intent.asset.site, kind=EventKind.TARIFF, attempts=3, last_error="503")
    response = signed_in.post(url(intent.asset), ROUTINE, follow=True)
    assert "the plan will update when Axle is back. Nothing is lost." in text(response)
    intent.refresh_from_db()
    assert intent.energy_required_kwh == Decimal("40")


def test_miles_of_range_become_kwh_with_the_cars_efficiency(signed_in, intent):
    data = ROUTINE | {"amount_in": "range", "energy_kwh": "", "distance": "100", "efficiency": "3.5"}
    signed_in.post(url(intent.asset), data)
    intent.refresh_from_db()
    assert intent.energy_required_kwh == Decimal("28.6")  # 100 / 3.5 = 28.57, rounded up
    assert intent.energy_estimated
    # The efficiency is remembered for next time.
    assert signed_in.get(url(intent.asset)).context["routine"].initial["efficiency"] == "3.5"


def test_km_of_range(signed_in, intent):
    data = ROUTINE | {"amount_in": "range", "distance": "160", "distance_unit": "km", "efficiency": "6.4"}
    signed_in.post(url(intent.asset), data)
    intent.refresh_from_db()
    assert intent.energy_required_kwh == Decimal("25.0")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"energy_kwh": "250"}, "energy_kwh", "That's more than any car battery holds: enter 200 kWh or less."),
        ({"energy_kwh": ""}, "energy_kwh", "Enter how many kWh to add, or tap one of the amounts."),
        ({"energy_kwh": "lots"}, "energy_kwh", "Enter a number of kWh, e.g. 30."),
        ({"ready_by": "7am-ish"}, "ready_by", "Enter a time like 07:00."),
        ({"amount_in": "range", "distance": ""}, "distance", "Enter how far you need to go, e.g. 100."),
        (
            {"amount_in": "range", "distance": "900", "efficiency": "3"},
            "distance",
            "900 miles at 3 miles per kWh is 300.0 kWh, more than any car battery holds.",
        ),
    ],
)
def test_mistakes_are_explained_in_plain_words(signed_in, intent, change, field, message):
    response = signed_in.post(url(intent.asset), ROUTINE | change)
    assert response.status_code == 200
    assert any(message in error for error in response.context["routine"].errors[field])
    assert message in text(response)
    intent.refresh_from_db()
    assert intent.energy_required_kwh == Decimal("30")


def test_one_off_for_tonight_keeps_the_routine(signed_in, intent, smart):
    with time_machine.travel(dt.datetime(2026, 1, 14, 20, 0, tzinfo=dt.UTC), tick=False):
        response = signed_in.post(url(intent.asset, "tonight"), {"ready_by": "05:45", "energy_kwh": "45"}, follow=True)
        intent.refresh_from_db()
        assert intent.one_off_ready_by == dt.datetime(2026, 1, 15, 5, 45, tzinfo=dt.UTC)
        assert intent.one_off_energy_kwh == Decimal("45")
        assert (intent.energy_required_kwh, intent.ready_by_local_time) == (Decimal("30"), dt.time(7))
        page = text(response)
        assert "Your one-off change (ready by 05:45 on Thursday) is saved." in page
        assert "Tonight: 45 kWh by 05:45 Thursday" in page
        assert AxleEvent.objects.get(kind=EventKind.INTENT).payload["intent"]["energy_required_kwh"] == 45.0

        cancelled = signed_in.post(url(intent.asset, "tonight/cancel"), follow=True)
        intent.refresh_from_db()
        assert intent.one_off_ready_by is None
        assert "back to your routine" in text(cancelled)


def test_a_ready_by_the_clocks_skip_is_refused_in_words(signed_in, intent):
    """01:30 does not happen in Europe/London on Sunday 29 March 2026: the clocks jump 01:00 -> 02:00."""
    with time_machine.travel(dt.datetime(2026, 3, 28, 21, 0, tzinfo=dt.UTC), tick=False):
        response = signed_in.post(url(intent.asset, "tonight"), {"ready_by": "01:30"})
    assert response.status_code == 200
    assert (
        "01:30 on Sunday 29 March 2026 in Europe/London does not exist: the clocks go forward that night. "
        "Choose a time outside the hour that is skipped." in text(response)
    )
    intent.refresh_from_db()
    assert intent.one_off_ready_by is None


def test_a_one_off_needs_a_routine_first(signed_in, asset):
    page = text(signed_in.get(url(asset)))
    assert "Save your usual needs first" in page
    response = signed_in.post(url(asset, "tonight"), {"ready_by": "06:00"})
    assert "Set your usual charging needs first" in text(response)
