"""What a schedule means for the homeowner: energy per half-hour, when the target is met, what it costs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chargers.profiles import NO_LIMIT_W, ChargerCapabilities, ChargingProfile, SchedulePeriod
from smartcharging.offpeak import parse_windows
from smartcharging.plan import plan_summary

LONDON = ZoneInfo("Europe/London")
UTC_ZONE = ZoneInfo("UTC")
CHARGER_7KW = ChargerCapabilities(
    rated_power_kw=Decimal("7.4"), phases=1, max_current_a=32, min_current_a=6, rate_units=frozenset({"W", "A"})
)
CHARGER_22KW = ChargerCapabilities(
    rated_power_kw=Decimal("22"), phases=3, max_current_a=32, min_current_a=6, rate_units=frozenset({"A"})
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def profile(start, periods, *, duration_s=None, unit="W") -> ChargingProfile:
    return ChargingProfile(
        stack_level=1,
        purpose="TxProfile",
        kind="Absolute",
        rate_unit=unit,
        periods=tuple(SchedulePeriod(s, limit, phases) for s, limit, phases in periods),
        start_schedule=start,
        duration_s=duration_s,
    )


def summary(prof, **overrides):
    args = {
        "charger": CHARGER_7KW,
        "start": prof.start_schedule,
        "ready_by": prof.ends_at,
        "target_kwh": Decimal(30),
        "zone": UTC_ZONE,
        "off_peak_windows": parse_windows("23:30-05:30"),
        "peak_rate_pence": Decimal(28),
        "off_peak_rate_pence": Decimal(9),
    } | overrides
    return plan_summary(prof, **args)


def full_power(start: datetime, hours: int) -> ChargingProfile:
    return profile(start, [(0, NO_LIMIT_W, 1)], duration_s=hours * 3600)


# Axle's documented example: plug-in 22:00, off-peak 23:30-05:30 (UTC), ready by 07:00, 30 kWh.
AXLE_EXAMPLE = profile(
    utc(2026, 4, 14, 22),
    [(0, 0.0, 1), (5400, NO_LIMIT_W, 1), (27000, 0.0, 1)],
    duration_s=32400,
)


def test_axle_example():
    plan = summary(AXLE_EXAMPLE)

    assert len(plan.slots) == 18  # 22:00 to 06:30 UTC
    assert plan.slots[0].start == utc(2026, 4, 14, 22)
    assert plan.slots[-1].start == utc(2026, 4, 15, 6, 30)
    charging = [s for s in plan.slots if s.energy_kwh]
    assert [s.start for s in charging] == [utc(2026, 4, 14, 23, 30) + timedelta(minutes=30 * i) for i in range(12)]
    assert all(s.power_kw == Decimal("7.40") and s.energy_kwh == Decimal("3.700") for s in charging)
    assert all(s.off_peak and s.rate_pence == 9 for s in charging)
    assert [s.off_peak for s in plan.slots[:3]] == [False, False, False]
    assert plan.slots[0].rate_pence == 28

    assert plan.energy_kwh == Decimal("44.400")
    assert plan.target_kwh == Decimal("30.000")
    # 23:30 + 30 / 7.4 h = 23:30 + 4 h 03 min 14.6 s, rounded up to the second
    assert plan.reaches_target_at == utc(2026, 4, 15, 3, 33, 15)
    assert plan.meets_ready_by
    assert plan.cost_pence == Decimal("399.60")  # 44.4 kWh x 9 p
    # Charging now: 1.5 h at 7.4 kW = 11.1 kWh at 28 p, then 18.9 kWh off-peak at 9 p
    assert plan.charge_now_cost_pence == Decimal("480.90")
    assert plan.saving_pence == Decimal("210.90")  # against the plan's first 30 kWh: 270 p


def test_amps_on_a_three_phase_charger():
    start = utc(2026, 4, 14, 22)
    prof = profile(start, [(0, 16, None), (1800, 16, 1), (3600, 40, 3), (5400, 0, 3)], duration_s=7200, unit="A")
    plan = summary(prof, charger=CHARGER_22KW, target_kwh=Decimal(10), off_peak_windows=[])

    # 16 A x 230 V x 3 phases (the charger's), then 1 phase, then 40 A is above the 22 kW rating
    assert [s.power_kw for s in plan.slots] == [Decimal("11.04"), Decimal("3.68"), Decimal("22.00"), Decimal(0)]
    assert [s.energy_kwh for s in plan.slots] == [Decimal("5.520"), Decimal("1.840"), Decimal("11.000"), 0]
    assert plan.energy_kwh == Decimal("18.360")
    # 7.36 kWh after an hour; 2.64 kWh more at 22 kW takes 432 s
    assert plan.reaches_target_at == utc(2026, 4, 14, 23, 7, 12)
    # single-rate: the peak rate everywhere; charging now at 22 kW costs the same as the plan
    assert all(s.rate_pence == 28 and not s.off_peak for s in plan.slots)
    assert plan.cost_pence == Decimal("514.08")
    assert plan.charge_now_cost_pence == Decimal("280.00")
    assert plan.saving_pence == 0


def test_vehicle_max_caps_full_power():
    plan = summary(AXLE_EXAMPLE, vehicle_max_kw=Decimal("7.0"))
    assert plan.slots[3].power_kw == Decimal("7.00")
    assert plan.energy_kwh == Decimal("42.000")


def test_plan_that_falls_short_misses_ready_by():
    half_power = profile(utc(2026, 4, 14, 22), [(0, 0, 1), (5400, 3700, 1), (27000, 0, 1)], duration_s=32400)
    plan = summary(half_power)

    assert plan.energy_kwh == Decimal("22.200")
    assert plan.reaches_target_at is None
    assert not plan.meets_ready_by
    assert plan.cost_pence == Decimal("199.80")
    # Compared on the energy the plan delivers: 22.2 kWh now = 11.1 x 28 + 11.1 x 9
    assert plan.charge_now_cost_pence == Decimal("480.90")  # still the target's cost
    assert plan.saving_pence == Decimal("210.90")


def test_plan_that_reaches_target_after_ready_by():
    start = utc(2026, 4, 14, 22)
    late = profile(start, [(0, 0, 1), (7 * 3600, NO_LIMIT_W, 1)], duration_s=12 * 3600)
    plan = summary(late, ready_by=utc(2026, 4, 15, 7))

    assert plan.reaches_target_at == utc(2026, 4, 15, 9, 3, 15)
    assert not plan.meets_ready_by
    assert plan.slots[-1].start == utc(2026, 4, 15, 9, 30)  # up to the schedule's end
    assert plan.energy_kwh == Decimal("37.000")


def test_period_change_mid_slot_and_partial_first_slot():
    start = utc(2026, 4, 14, 22)
    prof = profile(start, [(0, 7400, 1), (600, 3700, 1), (2400, 0, 1)], duration_s=3600)
    plan = summary(prof, off_peak_windows=[], target_kwh=Decimal(2))

    # 10 min at 7.4 kW + 20 min at 3.7 kW = 2.4667 kWh, 4.93 kW on average
    assert plan.slots[0].energy_kwh == Decimal("2.467")
    assert plan.slots[0].power_kw == Decimal("4.93")
    assert plan.slots[1].energy_kwh == Decimal("0.617")  # 10 min at 3.7 kW, then paused
    # 1.2333 kWh in the first 10 min, 0.7667 kWh more at 3.7 kW = 746 s
    assert plan.reaches_target_at == utc(2026, 4, 14, 22, 22, 26)

    # Starting at 22:20: the first slot counts only its last 10 minutes
    later = summary(prof, start=utc(2026, 4, 14, 22, 20), off_peak_windows=[])
    assert later.slots[0].start == start
    assert later.slots[0].energy_kwh == Decimal("0.617")
    assert later.slots[0].power_kw == Decimal("3.70")
    assert later.energy_kwh == Decimal("1.233")


def offpeak_slots(plan):
    return [s.start for s in plan.slots if s.off_peak]


def test_spring_forward():
    """2027-03-28: 01:00 GMT becomes 02:00 BST, so 00:30-04:30 local is 00:30-03:30 UTC."""
    plan = summary(
        full_power(utc(2027, 3, 27, 22), 9),
        zone=LONDON,
        off_peak_windows=parse_windows("00:30-04:30"),
        target_kwh=Decimal(10),
    )
    assert offpeak_slots(plan) == [utc(2027, 3, 28, 0, 30) + timedelta(minutes=30 * i) for i in range(6)]
    assert plan.cost_pence == Decimal("1443.00")  # 66.6 kWh: 22.2 off-peak at 9 p, 44.4 peak at 28 p


def test_fall_back():
    """2027-10-31: 02:00 BST becomes 01:00 GMT, so 00:30-04:30 local is 23:30-04:30 UTC (5 hours)."""
    plan = summary(
        full_power(utc(2027, 10, 30, 22), 9),
        zone=LONDON,
        off_peak_windows=parse_windows("00:30-04:30"),
    )
    assert offpeak_slots(plan) == [utc(2027, 10, 30, 23, 30) + timedelta(minutes=30 * i) for i in range(10)]


def test_window_across_midnight_in_summer_time():
    plan = summary(full_power(utc(2026, 6, 10, 21), 9), zone=LONDON)
    # 23:30-05:30 BST is 22:30-04:30 UTC
    assert offpeak_slots(plan) == [utc(2026, 6, 10, 22, 30) + timedelta(minutes=30 * i) for i in range(12)]


@pytest.mark.parametrize(("peak", "off"), [(Decimal(25), None), (None, Decimal(25))])
def test_single_rate(peak, off):
    plan = summary(AXLE_EXAMPLE, off_peak_windows=[], peak_rate_pence=peak, off_peak_rate_pence=off)
    assert all(s.rate_pence == 25 and not s.off_peak for s in plan.slots)
    assert plan.cost_pence == Decimal("1110.00")
    assert plan.charge_now_cost_pence == Decimal("750.00")
    assert plan.saving_pence == 0


def test_one_rate_with_windows_applies_everywhere():
    plan = summary(AXLE_EXAMPLE, peak_rate_pence=None)
    assert {s.rate_pence for s in plan.slots} == {Decimal(9)}
    assert any(s.off_peak for s in plan.slots)


def test_no_rates():
    plan = summary(AXLE_EXAMPLE, peak_rate_pence=None, off_peak_rate_pence=None)
    assert all(s.rate_pence is None for s in plan.slots)
    assert plan.cost_pence is None
    assert plan.charge_now_cost_pence is None
    assert plan.saving_pence is None
    assert plan.energy_kwh == Decimal("44.400")


def test_no_start_schedule_starts_at_start_and_stops_after_duration():
    prof = profile(None, [(0, NO_LIMIT_W, 1)], duration_s=3600)
    plan = summary(prof, start=utc(2026, 4, 14, 22), ready_by=utc(2026, 4, 15, 1), off_peak_windows=[])
    assert [s.energy_kwh for s in plan.slots] == [Decimal("3.700")] * 2 + [0] * 4
    assert plan.reaches_target_at is None


def test_naive_datetimes_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        summary(AXLE_EXAMPLE, start=datetime(2026, 4, 14, 22))  # noqa: DTZ001
