import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chargers.halfhours import (
    HALF_HOUR,
    HalfHour,
    MeterSample,
    half_hour_floor,
    half_hour_intervals,
    half_hourly_energy,
    intervals_in_local_day,
)

LONDON = ZoneInfo("Europe/London")


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2027, 6, 1, hour, minute, second, tzinfo=UTC)


def sample(hour: int, minute: int, register_wh: float) -> MeterSample:
    return MeterSample(at(hour, minute), register_wh)


def as_tuples(intervals: list[HalfHour]) -> list[tuple[datetime, Decimal, bool]]:
    return [(i.start, i.energy_kwh, i.estimated) for i in intervals]


# --- helpers -------------------------------------------------------------------------------------


def test_half_hour_floor_aligns_to_utc_half_hours() -> None:
    assert half_hour_floor(at(10, 29, 59)) == at(10)
    assert half_hour_floor(at(10, 30)) == at(10, 30)
    # 11:45 at +01:00 is 10:45 UTC.
    assert half_hour_floor(datetime(2027, 6, 1, 11, 45, tzinfo=LONDON)) == at(10, 30)
    assert half_hour_floor(at(10, 59)).tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2027, 6, 1, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        MeterSample(naive, 1.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        half_hour_floor(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        half_hourly_energy([], until=naive)


def test_non_finite_register_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        MeterSample(at(10), float("nan"))


def test_half_hour_intervals_cover_start_inclusive_end_exclusive() -> None:
    assert half_hour_intervals(at(10, 10), at(11, 0)) == [at(10), at(10, 30)]
    assert half_hour_intervals(at(10, 10), at(11, 1)) == [at(10), at(10, 30), at(11)]
    assert half_hour_intervals(at(11), at(11)) == []


@pytest.mark.parametrize(
    ("day", "count", "first_utc"),
    [
        (date(2027, 3, 28), 46, datetime(2027, 3, 28, 0, tzinfo=UTC)),  # clocks go forward
        (date(2027, 10, 31), 50, datetime(2027, 10, 30, 23, tzinfo=UTC)),  # clocks go back
        (date(2027, 6, 1), 48, datetime(2027, 5, 31, 23, tzinfo=UTC)),
        (date(2027, 1, 15), 48, datetime(2027, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_intervals_in_local_day(day: date, count: int, first_utc: datetime) -> None:
    starts = intervals_in_local_day(day, LONDON)
    assert len(starts) == count
    assert starts[0] == first_utc
    assert starts[-1] + HALF_HOUR == datetime.combine(day + timedelta(days=1), time(), LONDON)
    assert all(b - a == HALF_HOUR for a, b in itertools.pairwise(starts))


# --- energy --------------------------------------------------------------------------------------


def test_span_crossing_a_boundary_is_split_proportionally() -> None:
    # 900 Wh over 10:20-10:50: 10 minutes before 10:30, 20 minutes after.
    result = half_hourly_energy([sample(10, 20, 1000), sample(10, 50, 1900)])
    assert as_tuples(result) == [(at(10), Decimal("0.300"), False), (at(10, 30), Decimal("0.600"), False)]


def test_span_crossing_several_boundaries() -> None:
    # 4 kWh over 10:15-12:15 at a constant rate: a quarter of a 2-hour span per full half hour.
    result = half_hourly_energy([sample(10, 15, 0), sample(12, 15, 4000)])
    assert [i.energy_kwh for i in result] == [Decimal(x) for x in ("0.500", "1.000", "1.000", "1.000", "0.500")]
    assert [i.start for i in result] == half_hour_intervals(at(10, 15), at(12, 15))


def test_sample_exactly_on_a_boundary() -> None:
    result = half_hourly_energy([sample(10, 0, 0), sample(10, 30, 500), sample(11, 0, 1200)])
    assert as_tuples(result) == [(at(10), Decimal("0.500"), False), (at(10, 30), Decimal("0.700"), False)]


def test_span_ending_on_a_boundary_does_not_create_the_next_interval() -> None:
    result = half_hourly_energy([sample(10, 10, 0), sample(10, 30, 200)])
    assert as_tuples(result) == [(at(10), Decimal("0.200"), False)]


def test_exact_duplicates_and_same_time_duplicates_keep_the_highest_register() -> None:
    samples = [sample(10, 0, 0), sample(10, 0, 0), sample(10, 30, 400), sample(10, 30, 500)]
    assert as_tuples(half_hourly_energy(samples)) == [(at(10), Decimal("0.500"), False)]


def test_timestamps_in_other_zones_are_the_same_instant() -> None:
    samples = [
        sample(10, 0, 0),
        MeterSample(datetime(2027, 6, 1, 11, 0, tzinfo=LONDON), 0),
        sample(10, 30, 300),
    ]
    assert as_tuples(half_hourly_energy(samples)) == [(at(10), Decimal("0.300"), False)]


def test_unsorted_input_gives_the_same_result_as_sorted() -> None:
    ordered = [sample(10, 0, 0), sample(10, 20, 100), sample(10, 40, 400), sample(11, 5, 900)]
    shuffled = [ordered[2], ordered[0], ordered[3], ordered[1]]
    assert half_hourly_energy(shuffled) == half_hourly_energy(ordered)
    assert [i.energy_kwh for i in half_hourly_energy(shuffled)] == [
        Decimal("0.250"),
        Decimal("0.550"),
        Decimal("0.100"),
    ]


def test_register_reset_is_not_negative_energy_and_starts_a_new_series() -> None:
    samples = [
        sample(10, 0, 50_000),
        sample(10, 20, 50_400),  # +400 Wh
        sample(10, 40, 100),  # reset: span 10:20-10:40 counts as 0
        sample(11, 0, 700),  # +600 Wh
    ]
    result = half_hourly_energy(samples)
    assert as_tuples(result) == [(at(10), Decimal("0.400"), True), (at(10, 30), Decimal("0.600"), True)]
    assert sum(i.energy_kwh for i in result) == Decimal("1.000")


def test_gap_longer_than_max_gap_is_spread_and_flagged_estimated() -> None:
    samples = [sample(9, 0, 0), sample(9, 30, 100), sample(12, 30, 3100), sample(13, 0, 3300)]
    result = half_hourly_energy(samples)
    assert [i.energy_kwh for i in result] == [Decimal("0.100")] + [Decimal("0.500")] * 6 + [Decimal("0.200")]
    assert [i.estimated for i in result] == [False] + [True] * 6 + [False]
    # A shorter gap than max_gap is measured, not estimated.
    assert not any(i.estimated for i in half_hourly_energy(samples, max_gap=timedelta(hours=3)))


def test_max_gap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_gap"):
        half_hourly_energy([], max_gap=timedelta(0))


def test_until_drops_intervals_that_have_not_ended() -> None:
    samples = [sample(10, 0, 0), sample(11, 10, 700)]
    assert [i.start for i in half_hourly_energy(samples)] == [at(10), at(10, 30), at(11)]
    assert [i.start for i in half_hourly_energy(samples, until=at(11, 10))] == [at(10), at(10, 30)]
    assert [i.start for i in half_hourly_energy(samples, until=at(11, 30))] == [at(10), at(10, 30), at(11)]


def test_idle_intervals_report_zero_and_too_few_samples_report_nothing() -> None:
    result = half_hourly_energy([sample(10, 0, 5), sample(11, 0, 5)])
    assert as_tuples(result) == [(at(10), Decimal("0.000"), False), (at(10, 30), Decimal("0.000"), False)]
    assert half_hourly_energy([]) == []
    assert half_hourly_energy([sample(10, 0, 5)]) == []


def test_rounding_does_not_drift() -> None:
    # 1 Wh spread over three half hours is 0.333... Wh each; per-interval rounding would report 0.
    result = half_hourly_energy([sample(10, 0, 0), sample(11, 30, 1)])
    assert sum(i.energy_kwh for i in result) == Decimal("0.001")


# --- conservation property -----------------------------------------------------------------------


@st.composite
def meter_histories(draw: st.DrawFn) -> tuple[list[MeterSample], Fraction]:
    """Samples of a register that grows, sometimes resets; plus the energy the meter really counted."""
    # Hypothesis wants naive bounds and attaches the zone itself.
    first, last = datetime(2027, 1, 1), datetime(2028, 1, 1)  # noqa: DTZ001
    taken_at = draw(st.datetimes(first, last, timezones=st.just(UTC)))
    register = draw(st.floats(0, 1e7))
    samples = [MeterSample(taken_at, register)]
    counted_wh = Fraction(0)
    for _ in range(draw(st.integers(0, 30))):
        taken_at += timedelta(seconds=draw(st.integers(1, 4 * 3600)))
        if register > 0 and draw(st.integers(0, 9)) == 0:
            register = draw(st.floats(0, register, exclude_max=True))
        else:
            previous, register = register, register + draw(st.floats(0, 20_000))
            counted_wh += Fraction(register) - Fraction(previous)
        samples.append(MeterSample(taken_at, register))
    delivered = draw(st.permutations(samples + draw(st.lists(st.sampled_from(samples), max_size=5))))
    return delivered, counted_wh


@given(meter_histories())
def test_energy_is_conserved(history: tuple[list[MeterSample], Fraction]) -> None:
    samples, counted_wh = history
    result = half_hourly_energy(samples)
    total_kwh = sum((i.energy_kwh for i in result), Decimal(0))
    # Rounding happens once, on the total: at most half a Wh away from what the meter counted.
    assert abs(Fraction(total_kwh) - counted_wh / 1000) <= Fraction(1, 2000)
    assert all(i.energy_kwh >= 0 for i in result)
    starts = [i.start for i in result]
    assert starts == sorted(set(starts))
    assert all(s == half_hour_floor(s) for s in starts)


def test_fixed_offset_zone_is_accepted() -> None:
    assert len(intervals_in_local_day(date(2027, 6, 1), timezone(timedelta(hours=5, minutes=30)))) == 48
