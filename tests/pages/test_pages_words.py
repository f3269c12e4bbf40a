"""Wording and drawing helpers, without a database."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chargers.models import ChargerState
from smartcharging.offpeak import parse_windows
from smartcharging.pages.charts import day_strip
from smartcharging.pages.formatting import day_clock, kwh, pounds
from smartcharging.pages.status import Facts, charger_status

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 1, 14, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("pence", "text"), [(1250, "£12.50"), (-3000, "\u2212£30.00"), (Decimal("210.9"), "£2.11"), (None, "\u2013")]
)
def test_pence_read_as_pounds(pence, text):
    assert pounds(pence) == text


def test_energy_reads_without_needless_decimals_and_stays_with_its_unit():
    assert [kwh(Decimal("30.000")), kwh(4.44), kwh(0)] == ["30\xa0kWh", "4.4\xa0kWh", "0\xa0kWh"]


def test_near_days_in_words():
    at = dt.datetime(2026, 1, 15, 7, tzinfo=dt.UTC)
    assert day_clock(at, LONDON, now=NOW) == "07:00 tomorrow"
    assert day_clock(at + dt.timedelta(days=2), LONDON, now=NOW) == "07:00 Sat 17 Jan"


def test_day_strip_splits_a_window_across_midnight():
    strip = day_strip(parse_windows("23:30-05:30"))
    assert [w.label for w in strip.windows] == ["00:00-05:30", "23:30-24:00"]
    assert strip.description == "Off-peak 23:30-05:30"
    assert [t.text for t in strip.ticks] == ["00:00", "06:00", "12:00", "18:00", "24:00"]


@pytest.mark.parametrize(
    ("status", "plugged", "live", "words"),
    [
        ("Faulted", False, False, "Charger fault"),
        ("Unavailable", False, False, "Unavailable"),
        ("Available", False, False, "Unplugged"),
        ("Preparing", False, False, "Plugged in, waiting for a plan"),
        ("SuspendedEVSE", True, True, "Paused by plan"),
        ("SuspendedEV", True, True, "Car not taking charge"),
        ("Finishing", True, True, "Ready"),
    ],
)
def test_connector_status_in_words(status, plugged, live, words):
    facts = Facts(
        state=ChargerState(connected=True, connector_status=status),
        plugged_in_at=NOW if plugged else None,
        has_live_plan=live,
        delivered_kwh=None,
        target_kwh=Decimal(30),
        boost_until=None,
        next_charge_at=None,
        now=NOW,
        zone=LONDON,
    )
    assert charger_status(facts).words == words
