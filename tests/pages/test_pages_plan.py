"""The plan page: the schedule on the charger drawn as an inline SVG, and its live fragment."""

import datetime as dt
import re

import pytest
import time_machine

from smartcharging.models import ApplyState, ScheduleSource
from tests.pages.builders import axle_example_schedule, charger_state, text

pytestmark = pytest.mark.django_db


def bars(html):
    """(from, to) of each charging bar in the SVG."""
    return re.findall(r'<rect class="charge"[^>]*data-from="([\d:]+)" data-to="([\d:]+)"', html)


@pytest.fixture
def plugged(intent, tariff):
    charger_state(intent.asset, status="SuspendedEVSE")
    return intent.asset


def test_axles_example_draws_charging_from_2330_to_0530_on_a_winter_night(signed_in, plugged):
    # Axle's documented example (paused 1.5 h, full power 6 h from 22:00) on a January night,
    # when the site's clock in Europe/London reads UTC.
    axle_example_schedule(plugged, start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 1, 14, 22, 0, tzinfo=dt.UTC), tick=False):
        response = signed_in.get(f"/chargers/{plugged.pk}/plan/")
    html = response.content.decode()
    assert bars(html) == [("23:30", "05:30")]
    chart = response.context["chart"]
    assert [(r.off_peak, r.label) for r in chart.rates] == [(False, "28p"), (True, "9p"), (False, "28p")]
    assert chart.ready_by.text == "Ready 07:00"
    assert chart.reached.text == "30\xa0kWh by 03:34"
    assert '<svg class="plan-svg"' in html
    assert 'role="img"' in html
    page = text(response)
    assert "Charging at 7.4 kW from 23:30 to 05:30; ready by 07:00; 44.4 kWh planned." in page
    assert "Ready by 07:00 with 30 kWh" in page
    assert "Estimated cost £4.00" in page  # 44.4 kWh at 9p, all of it off-peak
    assert "You save £2.11" in page  # the documented example's figures


def test_the_same_example_in_summer_is_drawn_on_british_summer_time(signed_in, plugged):
    axle_example_schedule(plugged, start=dt.datetime(2026, 4, 14, 22, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 4, 14, 21, 30, tzinfo=dt.UTC), tick=False):
        html = signed_in.get(f"/chargers/{plugged.pk}/plan/").content.decode()
    assert bars(html) == [("00:30", "06:30")]  # 23:30-05:30 UTC on the site's clock


def test_which_schedule_is_on_the_charger_when_and_why(signed_in, plugged):
    axle_example_schedule(
        plugged,
        start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC),
        source=ScheduleSource.FALLBACK,
        received_at=dt.datetime(2026, 1, 14, 22, 1, tzinfo=dt.UTC),
        apply_state=ApplyState.APPLIED,
        applied_at=dt.datetime(2026, 1, 14, 22, 2, tzinfo=dt.UTC),
        apply_notes="No schedule from Axle 10 minutes after plug-in: charging at once so the car is ready.",
    )
    with time_machine.travel(dt.datetime(2026, 1, 14, 22, 5, tzinfo=dt.UTC), tick=False):
        page = text(signed_in.get(f"/chargers/{plugged.pk}/plan/"))
    assert "On the charger The platform's fallback" in page
    assert "Accepted by the charger at 22:02. Last changed 22:01 on Wed 14 Jan." in page
    assert "Why it changed No schedule from Axle 10 minutes after plug-in" in page


def test_the_live_fragment_follows_a_new_schedule(signed_in, plugged):
    live = f"/chargers/{plugged.pk}/plan/live/"
    with time_machine.travel(dt.datetime(2026, 1, 14, 22, 5, tzinfo=dt.UTC), tick=False):
        before = signed_in.get(live, HTTP_X_FRAGMENT="1")
        assert before.status_code == 200
        assert before["Cache-Control"] == "no-store"
        assert "<html" not in before.content.decode()
        assert "No plan yet" in text(before)
        axle_example_schedule(plugged, start=dt.datetime(2026, 1, 14, 22, tzinfo=dt.UTC))
        after = signed_in.get(live, HTTP_X_FRAGMENT="1")
    assert before.context["version"] != after.context["version"]
    assert bars(after.content.decode()) == [("23:30", "05:30")]
    assert 'data-live="' + live + '"' in signed_in.get(f"/chargers/{plugged.pk}/plan/").content.decode()


def test_unplugged_without_a_plan(signed_in, intent, tariff):
    charger_state(intent.asset, status="Available")
    page = text(signed_in.get(f"/chargers/{intent.asset.pk}/plan/"))
    assert "No plan right now. When you plug in, your charge is planned and drawn here." in page


def test_a_finished_plan_is_not_drawn(signed_in, plugged):
    axle_example_schedule(plugged, start=dt.datetime(2026, 1, 13, 22, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 1, 14, 22, 5, tzinfo=dt.UTC), tick=False):
        response = signed_in.get(f"/chargers/{plugged.pk}/plan/")
    assert response.context["chart"] is None
    assert "(finished)" in text(response)
