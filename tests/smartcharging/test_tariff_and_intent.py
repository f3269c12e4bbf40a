"""Setting a tariff and an intent through the services, as the pages and admin will."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from smartcharging.models import ChargingIntent, ChargingMode, Tariff, TariffType
from smartcharging.selectors import intent_effective
from smartcharging.services.intents import intent_clear_one_off, intent_set, intent_set_one_off
from smartcharging.services.tariffs import tariff_set
from tests.factories import AssetFactory, ChargingIntentFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_tariff_is_stored_in_canonical_form_and_converted_for_axle():
    site = SiteFactory()
    tariff = tariff_set(site=site, tariff_type=TariffType.DUAL_RATE, off_peak_windows="23:30 -05:30", name="E7")
    stored = Tariff.objects.get(site=site)
    assert stored.off_peak_windows == "23:30-05:30"
    assert stored.axle_off_peak_times == "00:00-05:30, 23:30-24:00"
    # Setting again replaces it rather than adding a second tariff.
    tariff_set(site=site, tariff_type=TariffType.SINGLE_RATE)
    assert Tariff.objects.filter(site=site).count() == 1
    assert Tariff.objects.get(pk=tariff.pk).tariff_type == TariffType.SINGLE_RATE


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"tariff_type": TariffType.DUAL_RATE, "off_peak_windows": ""},
            "off_peak_windows",
            "A dual-rate tariff needs its off-peak windows, e.g. 23:30-05:30.",
        ),
        (
            {"tariff_type": TariffType.SINGLE_RATE, "off_peak_windows": "00:30-04:30"},
            "off_peak_windows",
            "A single-rate tariff costs the same all day, so it has no off-peak windows; "
            "choose dual rate if some hours are cheaper.",
        ),
        (
            {"tariff_type": TariffType.DUAL_RATE, "off_peak_windows": "05:30-05:30"},
            "off_peak_windows",
            "'05:30-05:30' starts and ends at the same time, so it is empty. For off-peak all day, write 00:00-24:00.",
        ),
        (
            {
                "tariff_type": TariffType.DUAL_RATE,
                "off_peak_windows": "00:30-04:30",
                "peak_rate_pence": Decimal("7"),
                "off_peak_rate_pence": Decimal("30"),
            },
            "off_peak_rate_pence",
            "The off-peak rate is higher than the peak rate; are they swapped?",
        ),
        (
            {"tariff_type": "economy_seven"},
            "tariff_type",
            "Value 'economy_seven' is not a valid choice.",
        ),
    ],
)
def test_invalid_tariff_is_refused_and_nothing_is_written(kwargs, field, message):
    site = SiteFactory()
    with pytest.raises(ValidationError) as caught:
        tariff_set(site=site, **kwargs)
    assert caught.value.message_dict[field] == [message]
    assert not Tariff.objects.filter(site=site).exists()


@pytest.mark.parametrize("kwh", [Decimal("0"), Decimal("-5"), Decimal("200.1"), Decimal("500")])
def test_energy_outside_0_to_200_kwh_is_refused(kwh):
    asset = AssetFactory()
    with pytest.raises(ValidationError) as caught:
        intent_set(asset=asset, energy_required_kwh=kwh, ready_by_local_time=time(7))
    assert caught.value.message_dict["energy_required_kwh"] == [
        f"Enter the energy to add as more than 0 and at most 200 kWh (you entered {kwh} kWh)."
    ]
    assert not ChargingIntent.objects.filter(asset=asset).exists()


def test_energy_range_is_also_a_database_rule():
    with pytest.raises(IntegrityError):
        ChargingIntentFactory(energy_required_kwh=Decimal("0"))


def test_intent_with_weekday_routine():
    asset = AssetFactory()
    intent_set(
        asset=asset,
        energy_required_kwh=Decimal("200"),
        ready_by_local_time=time(7),
        charging_mode=ChargingMode.MAXIMISE,
        weekday_ready_by={0: time(6, 0), 5: time(9, 30)},
    )
    intent = ChargingIntent.objects.get(asset=asset)
    assert intent.ready_by_for_weekday(0) == time(6, 0)
    assert intent.ready_by_for_weekday(2) == time(7, 0)
    assert intent.ready_by_for_weekday(5) == time(9, 30)
    # Sunday evening plug-in in June: ready by 06:00 BST on Monday = 05:00 UTC.
    effective = intent_effective(intent, now=datetime(2027, 6, 6, 20, tzinfo=UTC), zone=asset.site.zone)
    assert effective.ready_by == datetime(2027, 6, 7, 5, tzinfo=UTC)
    assert effective.ready_by_local_time == time(6, 0)


def test_one_off_for_tonight_leaves_the_routine_alone_and_expires():
    asset = AssetFactory()
    intent_set(asset=asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(7))
    evening = datetime(2027, 6, 1, 19, tzinfo=UTC)  # 20:00 BST
    intent = intent_set_one_off(
        asset=asset, ready_by_local_time=time(5, 30), energy_required_kwh=Decimal("50"), now=evening
    )
    assert intent.one_off_ready_by == datetime(2027, 6, 2, 4, 30, tzinfo=UTC)
    assert intent.energy_required_kwh == Decimal("30")  # routine kept
    tonight = intent_effective(intent, now=evening, zone=asset.site.zone)
    assert (tonight.energy_required_kwh, tonight.is_one_off) == (Decimal("50"), True)
    after = intent_effective(intent, now=datetime(2027, 6, 2, 5, tzinfo=UTC), zone=asset.site.zone)
    assert (after.energy_required_kwh, after.ready_by, after.is_one_off) == (
        Decimal("30"),
        datetime(2027, 6, 2, 6, tzinfo=UTC),
        False,
    )
    intent_clear_one_off(asset=asset)
    assert ChargingIntent.objects.get(asset=asset).one_off_ready_by is None


def test_one_off_at_a_skipped_time_on_the_spring_night_is_refused():
    asset = AssetFactory()
    intent_set(asset=asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(7))
    saturday_evening = datetime(2027, 3, 27, 21, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        intent_set_one_off(asset=asset, ready_by_local_time=time(1, 15), now=saturday_evening)
    assert caught.value.message_dict["ready_by_local_time"] == [
        "01:15 on Sunday 28 March 2027 in Europe/London does not exist: the clocks go forward that night. "
        "Choose a time outside the hour that is skipped."
    ]
    assert ChargingIntent.objects.get(asset=asset).one_off_ready_by is None


def test_one_off_at_a_repeated_time_on_the_autumn_night_is_refused():
    asset = AssetFactory()
    intent_set(asset=asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(7))
    saturday_evening = datetime(2027, 10, 30, 20, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        intent_set_one_off(asset=asset, ready_by_local_time=time(1, 45), now=saturday_evening)
    assert "happens twice: the clocks go back that night" in caught.value.message_dict["ready_by_local_time"][0]


def test_routine_ready_by_on_both_clock_change_mornings():
    asset = AssetFactory()
    intent = intent_set(asset=asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(7))
    zone = asset.site.zone
    spring = intent_effective(intent, now=datetime(2027, 3, 27, 22, tzinfo=UTC), zone=zone)
    autumn = intent_effective(intent, now=datetime(2027, 10, 30, 22, tzinfo=UTC), zone=zone)
    assert spring.ready_by == datetime(2027, 3, 28, 6, tzinfo=UTC)  # 07:00 BST
    assert autumn.ready_by == datetime(2027, 10, 31, 7, tzinfo=UTC)  # 07:00 GMT


def test_one_off_requires_a_routine_first():
    with pytest.raises(ValidationError, match="Set your usual charging needs first"):
        intent_set_one_off(asset=AssetFactory(), ready_by_local_time=time(6))
