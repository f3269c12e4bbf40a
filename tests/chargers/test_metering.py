"""Recording meter samples keeps each charger's half-hourly energy in step with what it reported."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chargers import halfhours
from chargers.models import HalfHourEnergy, MeterSample
from chargers.services.metering import meter_samples_record
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2027, 6, 1, hour, minute, second, tzinfo=UTC)


def energy(asset) -> dict[datetime, tuple[Decimal, bool]]:
    return {h.interval_start: (h.energy_kwh, h.estimated) for h in HalfHourEnergy.objects.filter(asset=asset)}


def test_samples_become_half_hours_including_a_span_across_a_boundary():
    asset = AssetFactory()

    # 10:20 -> 10:40 used 2000 Wh: half before 10:30 and half after.
    stored = meter_samples_record(asset=asset, samples=[(at(10, 0), 0.0), (at(10, 20), 1000.0), (at(10, 40), 3000.0)])

    assert stored == 3
    assert energy(asset) == {
        at(10, 0): (Decimal("2.000"), False),
        at(10, 30): (Decimal("1.000"), False),
    }


def test_the_dataclass_form_is_accepted_and_any_offset_is_stored_as_utc():
    asset = AssetFactory()
    plus_one = halfhours.MeterSample(datetime.fromisoformat("2027-06-01T11:00:00+01:00"), 100.0)

    meter_samples_record(asset=asset, samples=[plus_one, (at(10, 30), 600.0)])

    assert list(MeterSample.objects.values_list("taken_at", "register_wh")) == [
        (at(10), 100.0),
        (at(10, 30), 600.0),
    ]
    assert energy(asset) == {at(10): (Decimal("0.500"), False)}


def test_samples_resent_after_a_reconnect_are_ignored():
    asset = AssetFactory()
    first = [(at(10, 0), 0.0), (at(10, 15), 500.0), (at(10, 30), 1000.0)]
    meter_samples_record(asset=asset, samples=first)

    # The charger resends the same samples (one with a different value: the stored copy wins).
    again = meter_samples_record(asset=asset, samples=[(at(10, 15), 500.0), (at(10, 30), 9999.0), (at(10, 30), 1.0)])

    assert again == 0
    assert MeterSample.objects.filter(asset=asset).count() == 3
    assert energy(asset) == {at(10, 0): (Decimal("1.000"), False)}


def test_a_late_sample_updates_the_interval_it_falls_in_and_its_neighbours():
    asset = AssetFactory()
    meter_samples_record(asset=asset, samples=[(at(9, 30), 0.0), (at(10, 0), 1000.0)])
    meter_samples_record(asset=asset, samples=[(at(11, 0), 4000.0)])
    # 10:00 -> 11:00 used 3000 Wh, spread evenly as far as we know.
    assert energy(asset)[at(10, 0)] == (Decimal("1.500"), False)
    before = HalfHourEnergy.objects.get(asset=asset, interval_start=at(10, 0)).updated_at

    # A sample from 10:30 arrives late: the car used most of it in the first half hour.
    assert meter_samples_record(asset=asset, samples=[(at(10, 30), 3500.0)]) == 1

    assert energy(asset) == {
        at(9, 30): (Decimal("1.000"), False),
        at(10, 0): (Decimal("2.500"), False),
        at(10, 30): (Decimal("0.500"), False),
    }
    assert HalfHourEnergy.objects.get(asset=asset, interval_start=at(10, 0)).updated_at >= before


def test_a_late_sample_inside_a_long_span_recomputes_every_half_hour_of_the_span():
    asset = AssetFactory()
    # Samples every 10 minutes around a 2.5-hour hole, so edge half hours mix several spans.
    meter_samples_record(asset=asset, samples=[(at(9, 50), 0.0), (at(10, 10), 200.0), (at(12, 40), 3200.0)])
    meter_samples_record(asset=asset, samples=[(at(12, 50), 3300.0)])

    meter_samples_record(asset=asset, samples=[(at(11, 10), 3200.0)])

    samples = [halfhours.MeterSample(t, wh) for t, wh in MeterSample.objects.values_list("taken_at", "register_wh")]
    expected = {h.start: (h.energy_kwh, h.estimated) for h in halfhours.half_hourly_energy(samples)}
    assert energy(asset) == expected
    # 10:10 -> 11:10 used 3000 Wh; the register did not move from 11:10 to 12:40.
    assert energy(asset)[at(10, 30)] == (Decimal("1.500"), False)
    assert energy(asset)[at(11, 0)] == (Decimal("0.500"), False)
    assert energy(asset)[at(12, 0)] == (Decimal("0.000"), False)


def test_samples_of_other_chargers_do_not_mix():
    asset, other = AssetFactory(), AssetFactory()
    meter_samples_record(asset=other, samples=[(at(10), 0.0), (at(10, 30), 7000.0)])

    meter_samples_record(asset=asset, samples=[(at(10), 100.0), (at(10, 30), 300.0)])

    assert energy(asset) == {at(10): (Decimal("0.200"), False)}
    assert energy(other) == {at(10): (Decimal("7.000"), False)}


def test_a_gap_is_flagged_estimated():
    asset = AssetFactory()

    meter_samples_record(asset=asset, samples=[(at(8), 0.0), (at(11), 6000.0)])

    assert set(energy(asset).values()) == {(Decimal("1.000"), True)}
    assert len(energy(asset)) == 6


def test_an_empty_message_stores_nothing():
    assert meter_samples_record(asset=AssetFactory(), samples=[]) == 0
    assert not HalfHourEnergy.objects.exists()


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ((datetime(2027, 6, 1, 10), 10.0), "has no timezone"),  # noqa: DTZ001 - the point of the test
        ((at(10), math.nan), "must be a number of Wh, zero or more"),
        ((at(10), -5.0), "must be a number of Wh, zero or more"),
        ((at(10), math.inf), "must be a number of Wh, zero or more"),
    ],
)
def test_bad_samples_are_refused_with_a_message_for_an_operator(sample, message):
    asset = AssetFactory(ocpp_charge_point_id="CP-HALL")

    with pytest.raises(ValidationError, match=message) as refused:
        meter_samples_record(asset=asset, samples=[(at(9, 45), 0.0), sample])

    assert "CP-HALL" in refused.value.messages[0]
    assert not MeterSample.objects.exists()


def test_a_day_of_samples_sums_to_what_the_meter_counted():
    asset = AssetFactory()
    start = at(0)
    samples = [(start + timedelta(minutes=7 * i), 123.4 * i) for i in range(206)]

    # Delivered in three messages, out of order, the way a charger catching up might.
    meter_samples_record(asset=asset, samples=samples[100:])
    meter_samples_record(asset=asset, samples=samples[:50])
    meter_samples_record(asset=asset, samples=samples[50:100])

    total = sum(h.energy_kwh for h in HalfHourEnergy.objects.filter(asset=asset))
    assert abs(total - Decimal(str(123.4 * 205 / 1000))) <= Decimal("0.002")
    # Each half hour matches a computation from all samples at once, but for rounding to 1 Wh.
    everything = halfhours.half_hourly_energy(halfhours.MeterSample(t, wh) for t, wh in samples)
    assert energy(asset).keys() == {h.start for h in everything}
    assert all(abs(energy(asset)[h.start][0] - h.energy_kwh) <= Decimal("0.001") for h in everything)
