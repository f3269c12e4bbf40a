"""The platform's fallback plan, when Axle's schedule is missing or would leave the car short."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chargers.models import PlugSession
from smartcharging.api.serializers import ChargingProfileSerializer, to_profile
from smartcharging.models import ChargingSchedule, EnrolmentStatus, Proposition, ScheduleShape, ScheduleSource
from smartcharging.planner import PlanRequest, plan_charging, profile_to_axle_json
from smartcharging.services.safety_net import safety_net_sweep
from smartcharging.services.schedules import schedule_receive
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory

pytestmark = pytest.mark.django_db

# A winter evening in London (UTC = local time): plugged in at 22:00, 30 kWh wanted by 07:00.
PLUGGED_IN = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


@pytest.fixture
def car(settings):
    settings.FALLBACK_AFTER_S = 600
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), rated_power_kw=Decimal("7.4"))
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    TariffFactory(site=asset.site, off_peak_windows="23:30-05:30")
    ChargingIntentFactory(asset=asset, energy_required_kwh=Decimal("30"))
    PlugSession.objects.create(asset=asset, plugged_in_at=PLUGGED_IN)
    return asset


def current(asset):
    return ChargingSchedule.objects.filter(asset=asset, is_current=True).first()


def axle_schedule(asset, *, full_power_from_s, at):
    """A schedule from Axle received at `at`: paused, then full power from the given offset until 07:00."""
    profile_json = {
        "chargingProfileId": None, "transactionId": None, "stackLevel": 1100, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute", "recurrencyKind": None, "validFrom": None, "validTo": None,
        "chargingSchedule": {"duration": 32400, "startSchedule": PLUGGED_IN.isoformat(), "chargingRateUnit": "W",
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0.0, "numberPhases": 1},
                                                        {"startPeriod": full_power_from_s, "limit": 99999.0,
                                                         "numberPhases": 1}],
                             "minChargingRate": 0.0}}  # fmt: skip
    serializer = ChargingProfileSerializer(data=profile_json)
    assert serializer.is_valid(), serializer.errors
    schedule = schedule_receive(
        asset=asset,
        profile=to_profile(serializer.validated_data),
        profile_json=profile_json,
        raw_payload=profile_json,
        shape=ScheduleShape.PROFILE,
    ).schedule
    ChargingSchedule.objects.filter(pk=schedule.pk).update(received_at=at)
    return schedule


def test_no_schedule_ten_minutes_after_plug_in_gets_the_platforms_own_plan(car):
    now = PLUGGED_IN + timedelta(minutes=11)
    (verdict,) = safety_net_sweep(now=now)
    fallback = current(car)
    assert verdict.schedule == fallback
    assert fallback.source == ScheduleSource.FALLBACK
    assert "No schedule from Axle 11 minutes after the car was plugged in." in fallback.apply_notes
    expected = plan_charging(
        PlanRequest(
            start=now,
            ready_by=datetime(2026, 11, 25, 7, 0, tzinfo=UTC),
            energy_kwh=30,
            power_kw=7.4,
            off_peak=car.site.tariff.windows,
            zone=car.site.zone,
            mode="minimise_charging_time",
            may_charge_peak=True,
        )
    )
    assert fallback.raw_payload == profile_to_axle_json(expected.profile)
    # Off-peak first: nothing before 23:30, then full power.
    assert fallback.periods[0]["limit"] == 0.0
    assert fallback.periods[1]["start_period_s"] == (datetime(2026, 11, 24, 23, 30, tzinfo=UTC) - now).seconds


def test_a_few_minutes_without_a_schedule_is_normal_and_changes_nothing(car):
    (verdict,) = safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=3))
    assert verdict.reason == ""
    assert current(car) is None


def test_axles_schedule_that_meets_the_intent_is_left_alone(car):
    axle = axle_schedule(car, full_power_from_s=5400, at=PLUGGED_IN + timedelta(minutes=1))
    (verdict,) = safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=30))
    assert verdict.reason == ""
    assert current(car) == axle


def test_axles_schedule_that_would_leave_the_car_short_is_replaced_and_kept_in_history(car):
    # Full power only for the last hour before 07:00: 7.4 kWh of the 30 asked for.
    axle = axle_schedule(car, full_power_from_s=28800, at=PLUGGED_IN + timedelta(minutes=1))
    (verdict,) = safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=30))
    fallback = current(car)
    assert fallback.source == ScheduleSource.FALLBACK
    assert "would not deliver the 30.0 kWh" in verdict.reason
    axle.refresh_from_db()
    assert not axle.is_current


def test_the_sweep_applies_one_fallback_however_often_it_runs(car):
    for minutes in (11, 12, 13):
        safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=minutes))
    assert ChargingSchedule.objects.filter(asset=car, source=ScheduleSource.FALLBACK).count() == 1


def test_axles_next_schedule_replaces_the_fallback(car):
    safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=11))
    axle = axle_schedule(car, full_power_from_s=5400, at=PLUGGED_IN + timedelta(minutes=15))
    assert current(car) == axle


def test_flex_lite_sites_and_cars_without_an_intent_are_not_touched(car):
    other = AssetFactory()
    EnrolmentFactory(site=other.site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    PlugSession.objects.create(asset=other, plugged_in_at=PLUGGED_IN)
    car.intent.delete()
    verdicts = safety_net_sweep(now=PLUGGED_IN + timedelta(hours=1))
    assert [v.session.asset for v in verdicts] == [car]  # the Flex Lite site is not even looked at
    assert verdicts[0].reason == ""
    assert current(car) is None
    assert current(other) is None


def test_plan_uses_peak_time_when_off_peak_is_not_enough(car):
    car.site.tariff.off_peak_windows = "02:00-04:00"  # 14.8 kWh of off-peak for 30 kWh wanted
    car.site.tariff.save()
    safety_net_sweep(now=PLUGGED_IN + timedelta(minutes=11))
    fallback = current(car)
    assert any("peak" in line.lower() for line in fallback.apply_notes.splitlines()[1:])
    charging = [p for p in fallback.periods if p["limit"] > 0]
    assert len(charging) >= 2  # the off-peak window and a stretch of peak time
