"""A pushed schedule is translated for its charger, and its meaning computed for the homeowner."""

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from chargers.models import RateUnits
from chargers.translation import validate_set_charging_profile
from smartcharging.models import AxleEvent, ChargingSchedule, EnrolmentStatus, EventKind, Proposition
from smartcharging.models.schedules import ApplyState
from smartcharging.selectors import schedule_plan
from smartcharging.services.intents import intent_set
from smartcharging.services.schedule_apply import schedule_apply, schedules_sweep
from smartcharging.services.tariffs import tariff_set
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db


def push(axle_api, asset, profile):
    response = axle_api.post(url(asset), profile, format="json")
    assert response.status_code == 202, response.content
    return ChargingSchedule.objects.get(pk=response.json()["schedule_id"])


@pytest.fixture
def three_phase_amps_only(db):
    asset = AssetFactory(
        axle_asset_id=uuid.uuid4(), rated_power_kw=Decimal("22"), phases=3, max_current_a=32, rate_units=RateUnits.AMPS
    )
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return asset


def test_axles_example_becomes_a_valid_profile_for_a_74kw_single_phase_charger(axle_api, smart_asset, profile):
    schedule = schedule_apply(schedule_id=push(axle_api, smart_asset, profile).pk)
    assert schedule.apply_state == ApplyState.TRANSLATED
    request = schedule.charger_request
    validate_set_charging_profile(request)
    cs_profile = request["csChargingProfiles"]
    assert cs_profile["chargingProfileId"] == schedule.pk
    assert cs_profile["chargingProfilePurpose"] == "TxDefaultProfile"  # no transaction running
    assert cs_profile["stackLevel"] < 1100
    limits = [p["limit"] for p in cs_profile["chargingSchedule"]["chargingSchedulePeriod"]]
    assert limits == [0, 7400, 0]
    assert "7400" in schedule.apply_notes


def test_axles_example_in_amps_for_a_32a_three_phase_charger(axle_api, three_phase_amps_only, profile):
    schedule = schedule_apply(schedule_id=push(axle_api, three_phase_amps_only, profile).pk)
    cs_profile = schedule.charger_request["csChargingProfiles"]
    validate_set_charging_profile(schedule.charger_request)
    assert cs_profile["chargingSchedule"]["chargingRateUnit"] == "A"
    assert max(p["limit"] for p in cs_profile["chargingSchedule"]["chargingSchedulePeriod"]) <= 32


def test_applying_twice_or_after_replacement_changes_nothing(axle_api, smart_asset, profile):
    first = push(axle_api, smart_asset, profile)
    profile["chargingSchedule"]["chargingSchedulePeriod"][1]["startPeriod"] = 3600
    push(axle_api, smart_asset, profile)
    assert schedule_apply(schedule_id=first.pk).apply_state == ApplyState.SUPERSEDED
    assert schedules_sweep(now=datetime(2100, 1, 1, tzinfo=UTC)) == 1  # the current one, its task lost
    assert schedules_sweep(now=datetime(2100, 1, 1, tzinfo=UTC)) == 0


def test_what_the_schedule_means_for_the_homeowner(axle_api, smart_asset, profile):
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("30"), ready_by_local_time=time(8))
    tariff_set(
        site=smart_asset.site,
        tariff_type="dual_rate",
        off_peak_windows="00:30-06:30",
        peak_rate_pence=Decimal("28"),
        off_peak_rate_pence=Decimal("9"),
    )
    schedule = push(axle_api, smart_asset, profile)
    plugged_in = datetime(2026, 4, 14, 22, tzinfo=UTC)  # 23:00 BST; ready by 08:00 BST = 07:00 UTC
    plan = schedule_plan(schedule, now=plugged_in)
    assert plan.energy_kwh == Decimal("44.400")  # 23:30-05:30 UTC at 7.4 kW
    assert plan.reaches_target_at == datetime(2026, 4, 15, 3, 33, 15, tzinfo=UTC)
    assert plan.meets_ready_by
    assert plan.cost_pence is not None


def test_a_schedule_with_an_event_id_is_acknowledged_to_axle_as_received(axle_api, smart_asset, profile):
    envelope = {"id": "evt-42", "created_at": "2026-04-14T21:59:58Z", "payload": profile}
    push(axle_api, smart_asset, envelope)
    push(axle_api, smart_asset, envelope)  # a repeat is not acknowledged twice
    (ack,) = AxleEvent.objects.filter(kind=EventKind.SCHEDULE_CALLBACK)
    assert ack.asset == smart_asset
    assert ack.payload["event_id"] == "evt-42"
    assert ack.payload["status"] == "RECEIVED"
    push(axle_api, smart_asset, {**profile, "stackLevel": 3})  # no event id: nothing to acknowledge
    assert AxleEvent.objects.filter(kind=EventKind.SCHEDULE_CALLBACK).count() == 1


def test_a_schedule_the_charger_cannot_follow_is_refused_and_axle_told(axle_api, profile):
    # A charger whose minimum current needs more power than its rating: no profile can suit it.
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), rated_power_kw=Decimal("1.0"), min_current_a=6)
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    schedule = push(axle_api, asset, {"id": "evt-7", "payload": profile})
    schedule = schedule_apply(schedule_id=schedule.pk)
    assert schedule.apply_state == ApplyState.REFUSED
    assert schedule.apply_notes
    statuses = list(
        AxleEvent.objects.filter(kind=EventKind.SCHEDULE_CALLBACK)
        .order_by("id")
        .values_list("payload__status", flat=True)
    )
    assert statuses == ["RECEIVED", "REJECTED"]
