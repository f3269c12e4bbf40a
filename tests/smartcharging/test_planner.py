"""The charging planner: Axle's documented example exactly, both modes, peak top-ups, clock changes, bad input."""

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chargers.profiles import NO_LIMIT_W, ChargerCapabilities, ChargingProfile, SchedulePeriod
from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE
from smartcharging.api.serializers import ChargingProfileSerializer, to_profile
from smartcharging.offpeak import Window, parse_windows
from smartcharging.plan import plan_summary
from smartcharging.planner import (
    MAXIMISE,
    MINIMISE,
    PlanRequest,
    off_peak_intervals,
    plan_charging,
    plan_with_boost,
    profile_to_axle_json,
)

UTC_ZONE = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
OFF = 0.0
ON = NO_LIMIT_W

# Copied verbatim from AXLE_API.md, "The schedule Axle pushes" (Axle's documented example).
AXLE_EXAMPLE_JSON = """
{"chargingProfileId": null, "transactionId": null, "stackLevel": 1100,
 "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Absolute",
 "recurrencyKind": null, "validFrom": null, "validTo": null,
 "chargingSchedule": {"duration": 32400, "startSchedule": "2026-04-14T22:00:00+00:00",
   "chargingRateUnit": "W",
   "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0.0, "numberPhases": 1},
                              {"startPeriod": 5400, "limit": 99999.0, "numberPhases": 1},
                              {"startPeriod": 27000, "limit": 0.0, "numberPhases": 1}],
   "minChargingRate": 0.0}}
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def kwh_in(seconds: int, kw: str = "7.4") -> Decimal:
    return Decimal(kw) * seconds / 3600


# Axle's documented scenario: plug-in 22:00, off-peak 23:30-05:30 (UTC), ready by 07:00, 30 kWh, 7.4 kW.
EXAMPLE = PlanRequest(
    start=utc(2026, 4, 14, 22),
    ready_by=utc(2026, 4, 15, 7),
    energy_kwh=30,
    power_kw=7.4,
    off_peak=parse_windows("23:30-05:30"),
    zone=UTC_ZONE,
    mode=MAXIMISE,
    may_charge_peak=False,
)


def request(**changes) -> PlanRequest:
    if "off_peak" in changes and isinstance(changes["off_peak"], str):
        changes["off_peak"] = parse_windows(changes["off_peak"])
    return dataclasses.replace(EXAMPLE, **changes)


def periods(plan) -> list[tuple[int, float]]:
    return [(p.start_period_s, p.limit) for p in plan.profile.periods]


# --- Axle's documented example --------------------------------------------------------------------


def test_axle_documented_example_gives_axle_documented_profile():
    plan = plan_charging(EXAMPLE)

    assert plan.profile == ChargingProfile(
        stack_level=1100,
        purpose="TxProfile",
        kind="Absolute",
        rate_unit="W",
        periods=(SchedulePeriod(0, 0.0, 1), SchedulePeriod(5400, 99999.0, 1), SchedulePeriod(27000, 0.0, 1)),
        start_schedule=utc(2026, 4, 14, 22),
        duration_s=32400,
        min_charging_rate=0.0,
    )
    assert plan.planned_kwh == Decimal("44.4")  # maximise: all six off-peak hours, more than the 30 asked
    assert plan.reaches_kwh_at == utc(2026, 4, 15, 3, 33, 15)  # 30 / 7.4 h after 23:30, up to the second
    assert plan.shortfall_kwh == 0
    assert plan.uses_peak is False
    assert plan.charging == ((utc(2026, 4, 14, 23, 30), utc(2026, 4, 15, 5, 30)),)
    assert plan.cost_pence is None  # no rates given
    assert plan.reasons == (
        "Off-peak before ready-by: 23:30-05:30 (6 h 00 min), up to 44.4 kWh at 7.4 kW.",
        "Maximise: charging all off-peak time before ready-by 07:00, 23:30-05:30.",
        "30 kWh is in by 03:33, before ready-by 07:00.",
    )


def test_axle_example_renders_as_axle_documented_json():
    rendered = profile_to_axle_json(plan_charging(EXAMPLE).profile)

    assert json.loads(json.dumps(rendered)) == json.loads(AXLE_EXAMPLE_JSON)
    assert list(rendered) == list(json.loads(AXLE_EXAMPLE_JSON))  # and in Axle's key order


def test_embedded_example_is_the_one_the_api_documents():
    """The repo's copy of Axle's example (served in the OpenAPI docs, pushed by the benchmarks) is this one."""
    assert json.loads(AXLE_EXAMPLE_JSON) == AXLE_EXAMPLE_PROFILE


def test_rendered_profile_is_accepted_by_our_own_receiver():
    """What the stand-in for Axle sends, the platform's receiver reads back as the same profile."""
    profile = plan_charging(request(mode=MINIMISE, energy_kwh=50, may_charge_peak=True)).profile
    serializer = ChargingProfileSerializer(data=json.loads(json.dumps(profile_to_axle_json(profile))))

    assert serializer.is_valid(), serializer.errors
    assert to_profile(serializer.validated_data) == profile


def test_schedule_summary_reads_the_plan_as_the_planner_meant_it():
    plan = plan_charging(request(mode=MINIMISE))
    charger = ChargerCapabilities(
        rated_power_kw=Decimal("7.4"), phases=1, max_current_a=32, min_current_a=6, rate_units=frozenset({"W"})
    )
    summary = plan_summary(
        plan.profile,
        charger=charger,
        start=EXAMPLE.start,
        ready_by=EXAMPLE.ready_by,
        target_kwh=Decimal(30),
        zone=UTC_ZONE,
        off_peak_windows=list(EXAMPLE.off_peak),
        peak_rate_pence=None,
        off_peak_rate_pence=None,
    )

    assert summary.reaches_target_at == plan.reaches_kwh_at
    assert summary.energy_kwh == plan.planned_kwh.quantize(Decimal("0.001"))


def test_stack_level_is_a_parameter():
    assert plan_charging(EXAMPLE, stack_level=1).profile.stack_level == 1


# --- Modes, shortfalls and peak top-ups -----------------------------------------------------------


def test_minimise_charges_only_the_kwh_in_the_earliest_off_peak_time():
    plan = plan_charging(request(mode=MINIMISE))

    # 30 kWh at 7.4 kW is 4 h 03 min 14.6 s, rounded up to 4 h 04 min from the window's opening.
    assert periods(plan) == [(0, OFF), (5400, ON), (5400 + 244 * 60, OFF)]
    assert plan.planned_kwh == kwh_in(244 * 60)
    assert plan.reaches_kwh_at == utc(2026, 4, 15, 3, 33, 15)
    assert plan.shortfall_kwh == 0
    assert plan.uses_peak is False
    assert plan.reasons[1] == "Minimise: 30 kWh in the earliest off-peak time, 23:30-03:34."


@pytest.mark.parametrize("mode", [MAXIMISE, MINIMISE])
def test_without_peak_all_off_peak_is_planned_and_the_shortfall_reported(mode):
    plan = plan_charging(request(mode=mode, energy_kwh=50))

    assert periods(plan) == [(0, OFF), (5400, ON), (27000, OFF)]
    assert plan.planned_kwh == Decimal("44.4")
    assert plan.shortfall_kwh == Decimal("5.6")
    assert plan.reaches_kwh_at is None
    assert plan.uses_peak is False
    assert plan.reasons[-1] == "5.6 kWh short at ready-by 07:00: peak charging is not allowed."


@pytest.mark.parametrize("mode", [MAXIMISE, MINIMISE])
def test_peak_tops_up_the_shortfall_in_the_latest_peak_time(mode):
    plan = plan_charging(request(mode=mode, energy_kwh=50, may_charge_peak=True))

    # 5.6 kWh is 45 min 24 s at 7.4 kW: 46 min, ending at ready-by, not after the window or at plug-in.
    assert periods(plan) == [(0, OFF), (5400, ON), (27000, OFF), (32400 - 46 * 60, ON)]
    assert plan.charging[-1] == (utc(2026, 4, 15, 6, 14), utc(2026, 4, 15, 7))
    assert plan.planned_kwh == Decimal("44.4") + kwh_in(46 * 60)
    assert plan.shortfall_kwh == 0
    assert plan.reaches_kwh_at == utc(2026, 4, 15, 6, 59, 25)
    assert plan.uses_peak is True
    assert plan.reasons[-2] == "Off-peak time delivers 44.4 of 50 kWh; adding peak time, latest first: 06:14-07:00."


def test_peak_is_used_only_when_off_peak_falls_short():
    assert plan_charging(request(may_charge_peak=True)) == plan_charging(EXAMPLE)


def test_peak_top_up_fills_later_peak_stretches_before_earlier_ones():
    # Peak after the window is 05:30-07:00 (11.1 kWh); 15 kWh short needs all of it and 32 min before 23:30.
    plan = plan_charging(request(mode=MINIMISE, energy_kwh=Decimal("59.4"), may_charge_peak=True))

    # The earlier stretch ends where the window opens, so the two become one charge.
    assert periods(plan) == [(0, OFF), (5400 - 32 * 60, ON)]
    assert plan.charging == ((utc(2026, 4, 14, 22, 58), utc(2026, 4, 15, 7)),)
    assert plan.shortfall_kwh == 0


def test_peak_cannot_help_past_the_whole_night():
    plan = plan_charging(request(mode=MINIMISE, energy_kwh=80, may_charge_peak=True))

    assert periods(plan) == [(0, ON)]  # every second until ready-by
    assert plan.planned_kwh == kwh_in(32400)
    assert plan.shortfall_kwh == 80 - kwh_in(32400)
    assert plan.reasons[-1] == "13.4 kWh short at ready-by 07:00: there is not enough time."


def test_plug_in_during_off_peak_charges_from_plug_in():
    start = utc(2026, 4, 15, 1)

    maximise = plan_charging(request(start=start))
    minimise = plan_charging(request(start=start, mode=MINIMISE, energy_kwh=20))

    assert periods(maximise) == [(0, ON), (16200, OFF)]  # until the window closes at 05:30
    assert maximise.profile.duration_s == 6 * 3600
    assert maximise.planned_kwh == Decimal("33.3")
    # 20 kWh is 2 h 42 min 9.7 s: 2 h 43 min.
    assert periods(minimise) == [(0, ON), (163 * 60, OFF)]


def test_ready_by_before_the_window_opens():
    early = {"start": utc(2026, 4, 14, 18), "ready_by": utc(2026, 4, 14, 23)}

    without_peak = plan_charging(request(**early))
    with_peak = plan_charging(request(**early, mode=MINIMISE, energy_kwh=10, may_charge_peak=True))

    assert periods(without_peak) == [(0, OFF)]
    assert without_peak.planned_kwh == 0
    assert without_peak.shortfall_kwh == 30
    assert without_peak.reasons[0] == "No off-peak time between plug-in and ready-by."
    # 10 kWh is 1 h 21 min 5 s: 1 h 22 min, right before the 23:00 ready-by.
    assert periods(with_peak) == [(0, OFF), (5 * 3600 - 82 * 60, ON)]
    assert with_peak.uses_peak is True


def test_two_windows_a_day():
    two = {"off_peak": "00:30-04:30, 13:00-16:00", "start": utc(2026, 4, 14, 12), "ready_by": utc(2026, 4, 15, 7)}

    minimise = plan_charging(request(**two, mode=MINIMISE))
    maximise = plan_charging(request(**two))

    # 13:00-16:00 gives 22.2 kWh; the 7.8 kWh left is 1 h 03 min 14.6 s: 00:30-01:34 the next night.
    assert periods(minimise) == [(0, OFF), (3600, ON), (4 * 3600, OFF), (12.5 * 3600, ON), (12.5 * 3600 + 64 * 60, OFF)]
    assert minimise.reaches_kwh_at == utc(2026, 4, 15, 1, 33, 15)
    assert periods(maximise) == [(0, OFF), (3600, ON), (4 * 3600, OFF), (12.5 * 3600, ON), (16.5 * 3600, OFF)]
    assert maximise.planned_kwh == kwh_in(7 * 3600)


def test_window_boundaries_shrink_inwards_when_start_is_mid_second():
    start = utc(2026, 4, 14, 22) + timedelta(milliseconds=500)

    plan = plan_charging(request(start=start))

    assert plan.profile.duration_s == 32399  # never past ready-by
    assert periods(plan) == [(0, OFF), (5400, ON), (26999, OFF)]  # never outside the window


# --- Clock changes (Europe/London) ----------------------------------------------------------------


def test_spring_forward_night_window_is_an_hour_shorter_in_real_time():
    # Sat 28 March 2026, 20:00 GMT; clocks go forward at 01:00 GMT; ready by 07:00 BST = 06:00 UTC.
    night = {"start": utc(2026, 3, 28, 20), "ready_by": utc(2026, 3, 29, 6), "zone": LONDON}

    maximise = plan_charging(request(**night))
    minimise = plan_charging(request(**night, mode=MINIMISE, energy_kwh=40))

    assert maximise.charging == ((utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 4, 30)),)  # 23:30 GMT to 05:30 BST
    assert periods(maximise) == [(0, OFF), (12600, ON), (30600, OFF)]
    assert maximise.profile.duration_s == 10 * 3600
    assert maximise.planned_kwh == Decimal("37.0")  # 5 h, not 6
    assert maximise.reasons[0] == "Off-peak before ready-by: 23:30-05:30 (5 h 00 min), up to 37 kWh at 7.4 kW."
    assert minimise.shortfall_kwh == Decimal("3.0")  # 40 kWh fits in 6 h, not in 5


def test_fall_back_night_window_is_an_hour_longer_in_real_time():
    # Sat 24 October 2026, 20:00 BST; clocks go back at 01:00 GMT; ready by 07:00 GMT.
    night = {"start": utc(2026, 10, 24, 19), "ready_by": utc(2026, 10, 25, 7), "zone": LONDON}

    maximise = plan_charging(request(**night))
    minimise = plan_charging(request(**night, mode=MINIMISE, energy_kwh=50))

    assert maximise.charging == ((utc(2026, 10, 24, 22, 30), utc(2026, 10, 25, 5, 30)),)  # 23:30 BST to 05:30 GMT
    assert periods(maximise) == [(0, OFF), (12600, ON), (37800, OFF)]
    assert maximise.planned_kwh == Decimal("51.8")  # 7 h
    # 50 kWh is 6 h 45 min 24 s: 6 h 46 min from 22:30 UTC.
    assert minimise.charging == ((utc(2026, 10, 24, 22, 30), utc(2026, 10, 25, 5, 16)),)
    assert minimise.shortfall_kwh == 0


@pytest.mark.parametrize(
    ("window", "start", "end", "expected"),
    [
        # The skipped hour: 01:00-01:30 never shows on the clock that night.
        ("01:00-01:30", utc(2026, 3, 28, 20), utc(2026, 3, 29, 9), []),
        # The repeated hour: 00:30-01:30 shows once in BST and, for 01:00-01:30, again in GMT.
        (
            "00:30-01:30",
            utc(2026, 10, 24, 20),
            utc(2026, 10, 25, 9),
            [(utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 30)), (utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30))],
        ),
        # Summer time on both sides of midnight, over two nights.
        (
            "23:30-05:30",
            utc(2026, 6, 1, 12),
            utc(2026, 6, 3, 12),
            [(utc(2026, 6, 1, 22, 30), utc(2026, 6, 2, 4, 30)), (utc(2026, 6, 2, 22, 30), utc(2026, 6, 3, 4, 30))],
        ),
    ],
)
def test_off_peak_intervals_follow_the_wall_clock(window, start, end, expected):
    assert off_peak_intervals(parse_windows(window), LONDON, start, end) == expected


# --- Single rate, rates, zero -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", [MAXIMISE, MINIMISE])
def test_single_rate_charges_at_once_only_what_is_needed(mode):
    plan = plan_charging(request(off_peak=[], mode=mode, peak_rate_pence=24))

    assert periods(plan) == [(0, ON), (244 * 60, OFF)]
    assert plan.planned_kwh == kwh_in(244 * 60)
    assert plan.reaches_kwh_at == utc(2026, 4, 15, 2, 3, 15)
    assert plan.uses_peak is False
    assert plan.cost_pence == Decimal("722.24")  # 30.09 kWh at 24p
    assert plan.reasons == (
        "No off-peak windows (single rate): all time costs the same.",
        "Charging at once, 22:00-02:04, until 30 kWh is in; then pausing.",
        "30 kWh is in by 02:03, before ready-by 07:00.",
    )


def test_single_rate_short_of_time_charges_until_ready_by():
    plan = plan_charging(request(off_peak=[], mode=MINIMISE, energy_kwh=80))

    assert periods(plan) == [(0, ON)]
    assert plan.shortfall_kwh == 80 - kwh_in(32400)
    assert plan.reasons[-1] == "13.4 kWh short at ready-by 07:00: there is not enough time."


def test_windows_no_cheaper_than_peak_are_not_waited_for():
    plan = plan_charging(request(mode=MINIMISE, peak_rate_pence=20, off_peak_rate_pence=20))

    assert periods(plan) == [(0, ON), (244 * 60, OFF)]
    assert plan.uses_peak is True  # 22:00-23:30 is outside the windows, at the same price
    assert plan.reasons[0] == "The off-peak rate (20p) is no cheaper than the peak rate (20p): all time costs the same."


def test_cost_prices_off_peak_and_peak_energy_at_their_rates():
    plan = plan_charging(request(energy_kwh=50, may_charge_peak=True, peak_rate_pence=28, off_peak_rate_pence=9))

    assert plan.cost_pence == Decimal("44.4") * 9 + kwh_in(46 * 60) * 28


def test_zero_kwh_minimise_plans_nothing():
    plan = plan_charging(request(mode=MINIMISE, energy_kwh=0))

    assert periods(plan) == [(0, OFF)]
    assert plan.planned_kwh == 0
    assert plan.reaches_kwh_at == EXAMPLE.start
    assert plan.shortfall_kwh == 0
    assert plan.reasons[-1] == "Nothing to charge: the car needs 0 kWh."


def test_zero_kwh_maximise_still_fills_off_peak():
    """The kWh is only a minimum in maximise; the car stops by itself when full."""
    assert periods(plan_charging(request(energy_kwh=0))) == [(0, OFF), (5400, ON), (27000, OFF)]


def test_a_charge_ending_exactly_on_the_need_reaches_it_on_that_second():
    # 0.012 kWh at 7.2 kW is exactly 6 s; dividing kWh first would read 6.000...01 s and round to 7.
    start = utc(2026, 4, 14, 22)
    plan = plan_charging(
        request(
            start=start, ready_by=start + timedelta(seconds=6), off_peak=[], energy_kwh=Decimal("0.012"), power_kw=7.2
        )
    )

    assert plan.reaches_kwh_at == start + timedelta(seconds=6)
    assert plan.shortfall_kwh == 0


def test_decimal_and_float_inputs_plan_alike():
    assert plan_charging(request(energy_kwh=Decimal(30), power_kw=Decimal("7.4"))) == plan_charging(EXAMPLE)


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2026, 4, 14, 22)}, r"start \(2026-04-14T22:00:00\) has no time zone"),  # noqa: DTZ001
        ({"ready_by": datetime(2026, 4, 15, 7)}, r"ready_by \(2026-04-15T07:00:00\) has no time zone"),  # noqa: DTZ001
        ({"ready_by": utc(2026, 4, 14, 22)}, "ready_by .* must be after start"),
        ({"ready_by": utc(2026, 4, 14, 21)}, "ready_by .* must be after start"),
        ({"energy_kwh": -1}, "energy_kwh must be zero or more, not -1"),
        ({"energy_kwh": float("nan")}, "energy_kwh must be a finite number"),
        ({"energy_kwh": "30"}, "energy_kwh must be a number"),
        ({"power_kw": 0}, "power_kw must be more than zero, not 0"),
        ({"power_kw": -7.4}, "power_kw must be more than zero"),
        ({"mode": "fastest"}, "mode must be 'maximise_charging_time' or 'minimise_charging_time', not 'fastest'"),
        ({"peak_rate_pence": -1}, "peak_rate_pence must be zero or more"),
        ({"zone": "Europe/London"}, "zone must be a zoneinfo.ZoneInfo"),
    ],
)
def test_bad_input_is_refused_in_plain_words(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(EXAMPLE, **changes)


def test_negative_stack_level_is_refused():
    with pytest.raises(ValueError, match="stack_level must be zero or more"):
        plan_charging(EXAMPLE, stack_level=-1)


# --- Properties -----------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC_ZONE, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")])
MARCH_2026 = datetime(2026, 3, 27)  # noqa: DTZ001 - hypothesis draws naive datetimes; made UTC below
NOV_2026 = datetime(2026, 11, 2)  # noqa: DTZ001


@st.composite
def windows(draw):
    """0-2 disjoint windows on half-hours, the last one crossing midnight when `cross` is drawn."""
    count = draw(st.integers(0, 2))
    points = sorted(draw(st.sets(st.integers(0, 47), min_size=2 * count, max_size=2 * count)))
    if count and draw(st.booleans()):
        points = points[1:] + points[:1]  # pair each end with the next start: the last pair wraps round
    return [Window(points[i] * 30, points[i + 1] * 30) for i in range(0, 2 * count, 2)]


@st.composite
def plan_requests(draw, /, **fixed):
    # Around 2026's clock changes and ordinary days, at any second.
    start = draw(st.datetimes(MARCH_2026, NOV_2026)).replace(tzinfo=UTC)
    fields = {
        "start": start,
        "ready_by": start + timedelta(seconds=draw(st.integers(1, 3 * 24 * 3600))),
        "energy_kwh": draw(st.decimals(0, 120, places=3)),
        "power_kw": draw(st.decimals(Decimal("1.4"), 22, places=1)),
        "off_peak": draw(windows()),
        "zone": draw(ZONES),
        "mode": draw(st.sampled_from([MAXIMISE, MINIMISE])),
        "may_charge_peak": draw(st.booleans()),
    }
    return PlanRequest(**(fields | fixed))


@given(plan_requests())
def test_profile_is_well_formed_and_never_charges_after_ready_by(req):
    plan = plan_charging(req)
    starts = [p.start_period_s for p in plan.profile.periods]
    limits = [p.limit for p in plan.profile.periods]

    assert plan.profile.duration_s == (req.ready_by - req.start) // timedelta(seconds=1)
    assert starts[0] == 0
    assert all(a < b for a, b in pairwise(starts))
    assert starts[-1] < plan.profile.duration_s
    assert set(limits) <= {OFF, ON}
    assert all(a != b for a, b in pairwise(limits))
    assert {p.number_phases for p in plan.profile.periods} == {1}
    assert all(req.start <= t0 < t1 <= req.ready_by for t0, t1 in plan.charging)
    charged_s = sum((t1 - t0) // timedelta(seconds=1) for t0, t1 in plan.charging)
    assert plan.planned_kwh == Decimal(req.power_kw) * charged_s / 3600
    assert (plan.reaches_kwh_at is None) == (plan.shortfall_kwh > 0)
    assert plan.reaches_kwh_at is None or plan.reaches_kwh_at <= req.ready_by


@given(plan_requests(mode=MINIMISE, may_charge_peak=True))
def test_minimise_with_peak_delivers_what_time_allows_and_at_most_a_minute_more(req):
    plan = plan_charging(req)
    deliverable = req.power_kw * ((req.ready_by - req.start) // timedelta(seconds=1)) / 3600

    assert plan.planned_kwh >= min(req.energy_kwh, deliverable)
    # Only one stretch is ever partial (the last off-peak one, or the peak top-up): under a minute more.
    assert plan.planned_kwh - req.energy_kwh < req.power_kw / 60


@given(plan_requests(may_charge_peak=False))
def test_without_peak_every_charging_second_is_off_peak(req):
    plan = plan_charging(req)
    off_peak = off_peak_intervals(req.off_peak, req.zone, req.start, req.ready_by)

    if req.off_peak:
        assert not plan.uses_peak
        assert all(any(a <= t0 and t1 <= b for a, b in off_peak) for t0, t1 in plan.charging)


@given(
    windows(),
    ZONES,
    st.datetimes(MARCH_2026, NOV_2026),
    st.lists(st.integers(0, 3 * 24 * 60 - 1), min_size=1, max_size=20),
)
def test_off_peak_intervals_hold_exactly_the_instants_the_wall_clock_is_in_a_window(wins, zone, naive, minutes):
    start = naive.replace(tzinfo=UTC, second=0, microsecond=0)
    intervals = off_peak_intervals(wins, zone, start, start + timedelta(days=3))

    for minute in minutes:
        instant = start + timedelta(minutes=minute, seconds=30)
        in_window = any(w.contains(instant.astimezone(zone).time()) for w in wins)
        assert in_window == any(a <= instant < b for a, b in intervals)


def test_a_boost_charges_at_once_and_the_night_plans_only_what_is_left():
    plan = plan_with_boost(request(mode=MINIMISE), boost_until=utc(2026, 4, 14, 23))
    # 7.4 kWh in the boost hour (peak time, whatever the price); 22.6 kWh left, earliest off-peak first.
    left_s = math.ceil(Decimal("22.6") / Decimal("7.4") * 3600 / 60) * 60
    assert periods(plan) == [(0, 99999.0), (3600, 0.0), (5400, 99999.0), (5400 + left_s, 0.0)]
    assert plan.planned_kwh >= 30
    assert plan.shortfall_kwh == 0
    assert plan.reasons[0] == "Charge now: full power until 23:00 (7.4 kWh)."


def test_a_boost_past_ready_by_stops_at_ready_by_and_a_finished_one_changes_nothing():
    long = plan_with_boost(request(mode=MINIMISE), boost_until=utc(2026, 4, 15, 9))
    assert periods(long) == [(0, 99999.0)]
    assert long.profile.duration_s == 32400
    assert plan_with_boost(request(), boost_until=utc(2026, 4, 14, 21)) == plan_charging(request())
