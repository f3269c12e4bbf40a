"""Axle's profile -> the SetChargingProfile.req one charger accepts (chargers.translation)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chargers.profiles import NO_LIMIT_W, ChargerCapabilities, ChargingProfile, SchedulePeriod
from chargers.translation import (
    DEFAULT_MAX_STACK_LEVEL,
    InvalidSetChargingProfile,
    ProfileRefused,
    translate_for_charger,
    validate_set_charging_profile,
)

# Axle's documented example (AXLE_API.md): plug-in 22:00, off-peak 23:30-05:30, ready by 07:00.
AXLE_EXAMPLE = ChargingProfile(
    stack_level=1100,
    purpose="TxProfile",
    kind="Absolute",
    rate_unit="W",
    periods=(SchedulePeriod(0, 0.0, 1), SchedulePeriod(5400, NO_LIMIT_W, 1), SchedulePeriod(27000, 0.0, 1)),
    start_schedule=datetime(2026, 4, 14, 22, tzinfo=UTC),
    duration_s=32400,
    min_charging_rate=0.0,
)
SINGLE_PHASE_7KW = ChargerCapabilities(
    rated_power_kw=Decimal("7.4"), phases=1, max_current_a=32, min_current_a=6, rate_units=frozenset({"W", "A"})
)
THREE_PHASE_22KW_AMPS_ONLY = ChargerCapabilities(
    rated_power_kw=Decimal("22"), phases=3, max_current_a=32, min_current_a=6, rate_units=frozenset({"A"})
)


def translate(profile=AXLE_EXAMPLE, charger=SINGLE_PHASE_7KW, transaction_id=None, **kwargs):
    return translate_for_charger(profile, charger=charger, profile_id=7, transaction_id=transaction_id, **kwargs)


def profile_with(limits, *, unit="W", phases=None, **kwargs):
    """A one-hour-per-period profile with these limits."""
    periods = tuple(SchedulePeriod(i * 3600, limit, phases) for i, limit in enumerate(limits))
    return replace(AXLE_EXAMPLE, rate_unit=unit, periods=periods, duration_s=3600 * len(limits), **kwargs)


def schedule(translation):
    return translation.request["csChargingProfiles"]["chargingSchedule"]


def limits(translation):
    return [p["limit"] for p in schedule(translation)["chargingSchedulePeriod"]]


def has_null(value):
    if isinstance(value, dict):
        return any(v is None or has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(has_null(v) for v in value)
    return False


@pytest.mark.parametrize(
    ("charger", "unit", "expected_limits", "full_power_phases"),
    [(SINGLE_PHASE_7KW, "W", [0.0, 7400.0, 0.0], 1), (THREE_PHASE_22KW_AMPS_ONLY, "A", [0.0, 32.0, 0.0], 3)],
)
@pytest.mark.parametrize("transaction_id", [None, 42])
def test_axle_example(charger, unit, expected_limits, full_power_phases, transaction_id):
    """Axle's "no limit" (99999 W, numberPhases 1) is the charger's full rating: on a three-phase
    charger 32 A on all three phases (22 kW), not on one (7.36 kW; issue 19, defect 4)."""
    translation = translate(charger=charger, transaction_id=transaction_id)

    validate_set_charging_profile(translation.request)
    assert not has_null(translation.request)
    assert translation.request["connectorId"] == 1
    profile = translation.request["csChargingProfiles"]
    assert profile["chargingProfileId"] == 7
    assert profile["stackLevel"] == DEFAULT_MAX_STACK_LEVEL
    assert profile["chargingProfileKind"] == "Absolute"
    assert schedule(translation) == {
        "duration": 32400,
        "startSchedule": "2026-04-14T22:00:00Z",
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": expected_limits[0], "numberPhases": 1},
            {"startPeriod": 5400, "limit": expected_limits[1], "numberPhases": full_power_phases},
            {"startPeriod": 27000, "limit": expected_limits[2], "numberPhases": 1},
        ],
    }  # minChargingRate 0.0 says nothing, so it is left out
    rating = "7400 W" if unit == "W" else "32 A"
    assert f'Limit 99999 W ("no limit") above the charger\'s {rating} rating: clamped to {rating}.' in translation.notes
    if transaction_id is None:
        assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
        assert "transactionId" not in profile
        assert any("TxDefaultProfile" in note for note in translation.notes)
    else:
        assert profile["chargingProfilePurpose"] == "TxProfile"
        assert profile["transactionId"] == 42


def test_a_limit_above_the_rating_is_clamped_with_a_note():
    translation = translate(profile_with([11000.0]))

    assert limits(translation) == [7400.0]
    assert "Limit 11000 W above the charger's 7400 W rating: clamped to 7400 W." in translation.notes


@pytest.mark.parametrize(
    ("limit", "expected", "note"),
    [
        (3.2, 6.0, "3.2 A is below the 6 A minimum charging rate: raised to 6 A."),
        (3.0, 6.0, "3 A is below the 6 A minimum charging rate: raised to 6 A."),  # exactly half: raised
        (2.0, 0.0, "2 A is below the 6 A minimum charging rate: paused (0 A)."),
    ],
)
def test_a_current_below_the_minimum_is_raised_when_close_else_paused(limit, expected, note):
    translation = translate(profile_with([limit], unit="A"))

    assert limits(translation) == [expected]
    assert note in translation.notes


def test_the_minimum_in_watts_is_the_minimum_current_on_the_periods_phases():
    translation = translate(profile_with([1000.0, 500.0, 6000.0]))

    assert limits(translation) == [1380.0, 0.0, 6000.0]  # 6 A x 230 V x 1 phase = 1380 W
    assert "1000 W is below the 1380 W minimum charging rate: raised to 1380 W." in translation.notes
    assert "500 W is below the 1380 W minimum charging rate: paused (0 W)." in translation.notes


@pytest.mark.parametrize(
    ("phases", "watts", "amps"),
    [(1, 3680.0, 16.0), (3, 11000.0, 15.9), (None, 11000.0, 15.9)],  # 15.94 A rounded down; None: the charger's 3
)
def test_watts_to_amps_for_an_amps_only_charger(phases, watts, amps):
    translation = translate(profile_with([watts], phases=phases), charger=THREE_PHASE_22KW_AMPS_ONLY)

    assert schedule(translation)["chargingRateUnit"] == "A"
    assert limits(translation) == [amps]
    assert any("accepts only A" in note for note in translation.notes)


@pytest.mark.parametrize(("phases", "amps", "watts"), [(1, 16.0, 3680.0), (3, 10.0, 6900.0), (3, 7.3, 5037.0)])
def test_amps_to_watts_for_a_watts_only_charger(phases, amps, watts):
    charger = replace(THREE_PHASE_22KW_AMPS_ONLY, rate_units=frozenset({"W"}))

    translation = translate(profile_with([amps], unit="A", phases=phases), charger=charger)

    assert schedule(translation)["chargingRateUnit"] == "W"
    assert limits(translation) == [watts]


def test_a_charger_taking_both_units_keeps_the_profiles_unit():
    translation = translate(profile_with([16.0], unit="A"))

    assert schedule(translation)["chargingRateUnit"] == "A"
    assert limits(translation) == [16.0]


def test_three_phases_on_a_single_phase_charger_are_dropped_and_the_charger_phases_used():
    translation = translate(
        profile_with([3680.0], phases=3), charger=replace(SINGLE_PHASE_7KW, rate_units=frozenset({"A"}))
    )

    assert schedule(translation)["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.0}]
    assert "numberPhases 3 dropped: the charger charges on 1 phase(s)." in translation.notes


def test_equal_neighbours_are_merged():
    translation = translate(profile_with([8000.0, 9000.0, NO_LIMIT_W, 0.0, 0.0]))

    assert schedule(translation)["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 7400.0},
        {"startPeriod": 3 * 3600, "limit": 0.0},
    ]
    assert "3 period(s) with the same limit as the one before: merged." in translation.notes


def energy(translation, duration_s):
    """Sum of limit x seconds over the schedule."""
    periods = schedule(translation)["chargingSchedulePeriod"]
    ends = [p["startPeriod"] for p in periods[1:]] + [duration_s]
    return sum(p["limit"] * (end - p["startPeriod"]) for p, end in zip(periods, ends, strict=True))


def test_too_many_periods_merge_the_cheapest_pair_keeping_the_higher_limit():
    profile = replace(
        AXLE_EXAMPLE,
        periods=(
            SchedulePeriod(0, 0.0),
            SchedulePeriod(600, 7400.0),
            SchedulePeriod(1200, 7000.0),
            SchedulePeriod(3600, 0.0),
        ),
        duration_s=7200,
    )

    translation = translate(profile, charger=replace(SINGLE_PHASE_7KW, max_periods=3))

    # Raising 7000 W to 7400 W for 40 minutes costs far less energy than any other merge.
    assert schedule(translation)["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 0.0},
        {"startPeriod": 600, "limit": 7400.0},
        {"startPeriod": 3600, "limit": 0.0},
    ]
    assert energy(translation, 7200) >= energy(translate(profile), 7200)
    assert any("at most 3 periods" in note for note in translation.notes)


@given(st.lists(st.floats(min_value=0, max_value=20000), min_size=1, max_size=30), st.integers(1, 10))
def test_merging_to_fit_never_lowers_the_energy(watts, max_periods):
    profile = profile_with(watts)

    fitted = translate(profile, charger=replace(SINGLE_PHASE_7KW, max_periods=max_periods))

    assert len(schedule(fitted)["chargingSchedulePeriod"]) <= max_periods
    assert energy(fitted, profile.duration_s) >= energy(translate(profile), profile.duration_s)


@pytest.mark.parametrize("limit", [-1.0, float("nan")])
def test_a_negative_limit_is_refused(limit):
    with pytest.raises(ProfileRefused, match="negative or not a number"):
        translate(profile_with([0.0, limit]))


def test_a_charge_point_max_profile_is_refused():
    with pytest.raises(ProfileRefused, match="ChargePointMaxProfile"):
        translate(replace(AXLE_EXAMPLE, purpose="ChargePointMaxProfile"), transaction_id=42)


@pytest.mark.parametrize("starts", [(5, 60), (0, 60, 60), (0, 60, 30)])
def test_periods_must_start_at_zero_and_strictly_increase(starts):
    profile = replace(AXLE_EXAMPLE, periods=tuple(SchedulePeriod(s, 0.0) for s in starts))

    with pytest.raises(ProfileRefused, match="start"):
        translate(profile)


def test_the_stack_level_is_the_chargers_maximum_when_known():
    translation = translate(charger=replace(SINGLE_PHASE_7KW, max_stack_level=3))

    assert translation.request["csChargingProfiles"]["stackLevel"] == 3
    assert any("Stack level 1100 set to 3" in note for note in translation.notes)


def test_a_low_stack_level_is_kept_when_the_chargers_maximum_is_unknown():
    translation = translate(replace(AXLE_EXAMPLE, stack_level=2))

    assert translation.request["csChargingProfiles"]["stackLevel"] == 2
    assert not any("Stack level" in note for note in translation.notes)


def test_optional_fields_are_kept_and_times_sent_in_utc():
    bst = timezone(timedelta(hours=1))
    profile = replace(
        AXLE_EXAMPLE,
        kind="Recurring",
        recurrency_kind="Daily",
        start_schedule=datetime(2026, 4, 14, 23, 0, 0, 500, tzinfo=bst),
        valid_from=datetime(2026, 4, 14, tzinfo=UTC),
        valid_to=datetime(2026, 5, 14, tzinfo=UTC),
        min_charging_rate=1380.0,
    )

    sent = translate(profile).request["csChargingProfiles"]

    assert sent["chargingProfileKind"] == "Recurring"
    assert sent["recurrencyKind"] == "Daily"
    assert sent["validFrom"] == "2026-04-14T00:00:00Z"
    assert sent["validTo"] == "2026-05-14T00:00:00Z"
    assert sent["chargingSchedule"]["startSchedule"] == "2026-04-14T22:00:00Z"
    assert sent["chargingSchedule"]["minChargingRate"] == 1380.0


def test_min_charging_rate_is_converted_and_clamped():
    profile = replace(AXLE_EXAMPLE, min_charging_rate=30000.0)

    translation = translate(profile, charger=THREE_PHASE_22KW_AMPS_ONLY)

    assert schedule(translation)["minChargingRate"] == 32.0  # 30000 W / 690 V = 43.5 A, above 32 A


def test_a_start_without_time_zone_is_refused():
    naive = datetime(2026, 4, 14, 22)  # noqa: DTZ001 - the very mistake under test

    with pytest.raises(ProfileRefused, match="no time zone"):
        translate(replace(AXLE_EXAMPLE, start_schedule=naive))


def test_an_impossible_charger_record_is_refused():
    with pytest.raises(ProfileRefused, match="minimum current 40 A"):
        translate(charger=replace(SINGLE_PHASE_7KW, min_current_a=40))


def test_validation_reads_numbers_as_the_charger_does():
    def request(limit):
        schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
        profile = {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": schedule,
        }
        return {"connectorId": 1, "csChargingProfiles": profile}

    validate_set_charging_profile(request(7.3))  # 7.3 / 0.1 is 72.99999999999999 in binary floats
    with pytest.raises(InvalidSetChargingProfile, match="chargingSchedulePeriod/0/limit"):
        validate_set_charging_profile(request(7.35))
    with pytest.raises(InvalidSetChargingProfile, match="None is not of type"):
        validate_set_charging_profile(request(None))


# Mostly plausible chargers and schedules, one value in eight anything OCPP's types allow (absurd included),
# so that both the translation and every refusal are exercised.
def sometimes_absurd(plausible, absurd):
    return st.sampled_from([*[plausible] * 7, absurd]).flatmap(lambda strategy: strategy)


chargers = st.builds(
    ChargerCapabilities,
    rated_power_kw=sometimes_absurd(
        st.decimals(min_value=Decimal("3.7"), max_value=50, places=2),
        st.sampled_from([Decimal("NaN"), Decimal("Inf")]) | st.decimals(min_value=-1, max_value=2000, places=3),
    ),
    phases=sometimes_absurd(st.sampled_from([1, 3]), st.integers(-1, 4)),
    max_current_a=sometimes_absurd(st.integers(6, 80), st.integers(-1, 2000)),
    min_current_a=sometimes_absurd(st.integers(0, 6), st.integers(-1, 100)),
    rate_units=st.frozensets(st.sampled_from(["W", "A"])),
    max_stack_level=st.none() | sometimes_absurd(st.integers(0, 20), st.integers(-5, 2000)),
    max_periods=st.none() | sometimes_absurd(st.integers(1, 30), st.integers(-1, 0)),
)
limits_ = sometimes_absurd(
    st.sampled_from([0.0, NO_LIMIT_W, 2.0, 6.0, 16.0, 32.0, 1380.0, 7400.0]) | st.floats(min_value=0, max_value=1e5),
    st.floats(),
)
starts = sometimes_absurd(
    st.lists(st.integers(1, 200_000), unique=True, max_size=40).map(lambda s: [0, *sorted(s)]),
    st.lists(st.integers(-10, 200_000), max_size=10),
)
aware_times = st.datetimes(timezones=st.timezones())
times = st.none() | sometimes_absurd(aware_times, st.datetimes())


@st.composite
def profiles(draw):
    periods = tuple(
        SchedulePeriod(
            start, draw(limits_), draw(st.none() | sometimes_absurd(st.sampled_from([1, 3]), st.integers(-1, 4)))
        )
        for start in draw(starts)
    )
    valid_from, valid_to = draw(st.none() | aware_times), draw(st.none() | aware_times)
    if valid_from and valid_to and draw(st.booleans()):
        valid_from, valid_to = sorted([valid_from, valid_to])
    return ChargingProfile(
        stack_level=draw(st.integers(-10, 2000)),
        purpose=draw(
            sometimes_absurd(st.sampled_from(["TxDefaultProfile", "TxProfile"]), st.just("ChargePointMaxProfile"))
        ),
        kind=draw(st.sampled_from(["Absolute", "Recurring", "Relative"])),
        rate_unit=draw(st.sampled_from(["W", "A"])),
        periods=periods,
        start_schedule=draw(times),
        duration_s=draw(st.none() | sometimes_absurd(st.integers(1, 10**6), st.integers(-10, 0))),
        min_charging_rate=draw(st.none() | limits_),
        recurrency_kind=draw(st.none() | st.sampled_from(["Daily", "Weekly"])),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def rate(period, unit, charger):
    """Power in proportion to a limit: one in A applies to each phase."""
    return period["limit"] * ((period.get("numberPhases") or charger.phases) if unit == "A" else 1)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(), chargers, st.none() | st.integers(0, 2**31 - 1))
def test_any_profile_gives_a_valid_request_or_a_clear_refusal(profile, charger, transaction_id):
    try:
        translation = translate(profile, charger=charger, transaction_id=transaction_id)
    except ProfileRefused as exc:
        refusal = str(exc)
    else:
        refusal = None
    event("refused" if refusal else "translated")
    if refusal is not None:
        assert refusal.strip()
        return

    validate_set_charging_profile(translation.request)
    assert not has_null(translation.request)
    sent = translation.request["csChargingProfiles"]
    unit, periods = sent["chargingSchedule"]["chargingRateUnit"], sent["chargingSchedule"]["chargingSchedulePeriod"]
    rating = charger.rated_power_w if unit == "W" else charger.max_current_a
    for period in periods:
        assert period["limit"] <= rating
        phases = period.get("numberPhases") or charger.phases
        minimum = charger.min_current_a * (230 * phases if unit == "W" else 1)
        assert period["limit"] == 0 or period["limit"] >= minimum
    assert sent["chargingSchedule"].get("minChargingRate", 0) <= rating
    assert sent["stackLevel"] <= (
        DEFAULT_MAX_STACK_LEVEL if charger.max_stack_level is None else max(charger.max_stack_level, 0)
    )
    if charger.max_periods is not None:
        assert len(periods) <= charger.max_periods
        # Merging only removes period starts; at each start of the unmerged schedule, never less power.
        unmerged = translate(profile, charger=replace(charger, max_periods=None), transaction_id=transaction_id)
        fitted = {p["startPeriod"]: p for p in periods}
        event("merged to fit" if len(fitted) < len(schedule(unmerged)["chargingSchedulePeriod"]) else "fitted as is")
        current = None
        for period in schedule(unmerged)["chargingSchedulePeriod"]:
            current = fitted.get(period["startPeriod"], current)
            assert rate(current, unit, charger) >= rate(period, unit, charger)
