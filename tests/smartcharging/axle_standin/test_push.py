"""Schedules pushed to the real platform (Django's live server) with a real OAuth2 client, as Axle pushes them."""

import uuid
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from oauth2_provider.models import AccessToken

from smartcharging.axle import client
from smartcharging.axle_standin import PushConfig
from smartcharging.models import ChargingSchedule, Enrolment, EnrolmentStatus, Proposition, ScheduleShape
from smartcharging.models.schedules import ApplyState
from smartcharging.offpeak import parse_windows
from smartcharging.planner import MAXIMISE, MINIMISE, PlanRequest, plan_charging
from smartcharging.selectors import stored_profile
from smartcharging.services.axle_client_app import axle_client_issue
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.axle_standin.helpers import (
    INTENT,
    PLUGGED_IN_AT,
    TARIFF,
    control,
    onboard_smart,
    point_platform_at,
)

pytestmark = pytest.mark.django_db(transaction=True)

READY_BY = PLUGGED_IN_AT.replace(hour=7) + timedelta(days=1)


def expected_plan(start=PLUGGED_IN_AT, mode=MAXIMISE, kwh=30):
    return plan_charging(
        PlanRequest(
            start=start,
            ready_by=READY_BY,
            energy_kwh=Decimal(kwh),
            power_kw=Decimal("7.4"),
            off_peak=parse_windows(TARIFF["off_peak_times"]),
            zone=ZoneInfo("UTC"),
            mode=mode,
        )
    )


def push_config(platform_url, credentials, **overrides):
    # Backoffs of a few milliseconds keep the retry tests fast.
    options = {
        "platform_url": platform_url,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "attempts": 3,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.02,
        "read_timeout_s": 5.0,
    }
    return PushConfig(**(options | overrides))


@pytest.fixture
def credentials(transactional_db):
    return axle_client_issue()  # as `manage.py axle_oauth_client` does


@pytest.fixture
def standin(make_standin, settings, live_server, credentials):
    app = make_standin(push=push_config(live_server.url, credentials))
    point_platform_at(app, settings)
    app.frozen_now = PLUGGED_IN_AT
    return app


@pytest.fixture
def charger(standin):
    """A charger enrolled in Smart Charging both at the stand-in and on the platform, tariff and intent sent."""
    _, asset_id = onboard_smart()
    asset = AssetFactory(axle_asset_id=uuid.UUID(asset_id), rated_power_kw="7.4", phases=1)
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    client.tariff_update(asset_id=asset_id, tariff=TARIFF)
    client.intent(asset_id=asset_id, intent=INTENT)
    return asset


def pushes_done(standin):
    assert standin.pusher.wait_idle(timeout=15)
    return standin.state.pushes


def test_plug_in_pushes_the_planners_plan_and_the_platform_stores_it(standin, charger):
    client.plug_in(asset_id=charger.axle_asset_id)

    [push] = pushes_done(standin)
    schedule = ChargingSchedule.objects.get(asset=charger)
    assert push["status"] == "delivered"
    assert push["answer"]["schedule_id"] == schedule.pk
    assert [a["status_code"] for a in push["attempts"]] == [202]
    assert stored_profile(schedule) == expected_plan().profile
    assert schedule.raw_payload == push["body"] == push["profile"]
    assert schedule.shape == ScheduleShape.PROFILE
    # Axle's documented example, exactly: pause until 23:30, full power until 05:30, over 9 hours.
    assert [(p["start_period_s"], p["limit"]) for p in schedule.periods] == [(0, 0.0), (5400, 99999.0), (27000, 0.0)]
    assert schedule.duration_s == 32400


def test_changes_while_plugged_in_replan(standin, charger):
    client.plug_in(asset_id=charger.axle_asset_id)
    pushes_done(standin)

    standin.frozen_now = PLUGGED_IN_AT + timedelta(hours=1)
    just_10_kwh = INTENT | {"charging_mode": MINIMISE, "energy_required_kwh": 10}
    client.intent(asset_id=charger.axle_asset_id, intent=just_10_kwh)
    client.intent(asset_id=charger.axle_asset_id, intent=just_10_kwh)  # the same again: no re-plan
    client.tariff_update(asset_id=charger.axle_asset_id, tariff=TARIFF)  # the same tariff: no re-plan

    pushes = pushes_done(standin)
    assert [push["trigger"] for push in pushes] == ["plug-in", "intent"]
    current = ChargingSchedule.objects.get(asset=charger, is_current=True)
    assert stored_profile(current) == expected_plan(PLUGGED_IN_AT + timedelta(hours=1), MINIMISE, 10).profile


def test_a_market_change_replans_every_plugged_in_charger(standin, charger):
    client.plug_in(asset_id=charger.axle_asset_id)
    pushes_done(standin)
    standin.frozen_now = PLUGGED_IN_AT + timedelta(hours=2)

    answer = control(standin.public_url, "market-change").json()

    assert answer == {"pushed": [2], "skipped": {}}
    assert pushes_done(standin)[-1]["status"] == "delivered"
    assert ChargingSchedule.objects.filter(asset=charger).count() == 2
    current = ChargingSchedule.objects.get(asset=charger, is_current=True)
    assert current.start_schedule == PLUGGED_IN_AT + timedelta(hours=2)


def test_nothing_is_pushed_after_plug_out(standin, charger):
    client.plug_out(asset_id=charger.axle_asset_id)

    answer = control(standin.public_url, "market-change", {"asset_id": str(charger.axle_asset_id)}).json()

    assert answer == {"pushed": [], "skipped": {str(charger.axle_asset_id): "No car is plugged in."}}


def test_envelopes_duplicates_and_late_deliveries(standin, charger):
    control(standin.public_url, "config", {"push_shape": "envelope"})
    client.plug_in(asset_id=charger.axle_asset_id)
    pushes_done(standin)
    standin.frozen_now = PLUGGED_IN_AT + timedelta(hours=1)
    control(standin.public_url, "market-change")
    pushes_done(standin)

    control(standin.public_url, "push/duplicate")
    control(standin.public_url, "push/late", {"age_s": 600})

    first, newer, duplicate, late = pushes_done(standin)
    assert duplicate["body"] == newer["body"]
    assert duplicate["answer"]["schedule_id"] == newer["answer"]["schedule_id"]  # the same delivery, stored once
    assert late["profile"] == first["profile"]
    schedules = ChargingSchedule.objects.filter(asset=charger)
    assert schedules.count() == 3
    current = schedules.get(is_current=True)
    assert current.envelope_id == newer["envelope_id"]  # the late, older plan did not replace it
    stale = schedules.get(envelope_id=late["envelope_id"])
    assert stale.apply_state == ApplyState.SUPERSEDED
    assert current.shape == ScheduleShape.ENVELOPE


def test_the_wrapper_shape(standin, charger):
    control(standin.public_url, "config", {"push_shape": "wrapper"})

    client.plug_in(asset_id=charger.axle_asset_id)

    [push] = pushes_done(standin)
    assert push["body"] == {"connectorId": 1, "csChargingProfiles": push["profile"]}
    assert ChargingSchedule.objects.get(asset=charger).shape == ScheduleShape.WRAPPER


def test_a_5xx_from_the_platform_is_retried(standin, charger, monkeypatch):
    from smartcharging.api import views

    real = views.schedule_receive
    calls = []

    def fails_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return real(**kwargs)

    monkeypatch.setattr(views, "schedule_receive", fails_once)

    client.plug_in(asset_id=charger.axle_asset_id)

    [push] = pushes_done(standin)
    assert [a["status_code"] for a in push["attempts"]] == [500, 202]
    assert push["status"] == "delivered"
    assert ChargingSchedule.objects.filter(asset=charger).count() == 1


def test_a_4xx_from_the_platform_is_never_retried(standin, charger):
    Enrolment.objects.filter(site=charger.site).update(status=EnrolmentStatus.UNENROLLED)  # the platform answers 409

    client.plug_in(asset_id=charger.axle_asset_id)

    [push] = pushes_done(standin)
    assert [a["status_code"] for a in push["attempts"]] == [409]
    assert push["status"] == "refused"
    assert not ChargingSchedule.objects.exists()


def test_a_revoked_token_is_renewed_once(standin, charger):
    client.plug_in(asset_id=charger.axle_asset_id)
    pushes_done(standin)
    AccessToken.objects.all().delete()  # the platform rotated Axle's secret or revoked the token
    standin.frozen_now = PLUGGED_IN_AT + timedelta(hours=1)

    control(standin.public_url, "market-change")

    second = pushes_done(standin)[-1]
    assert [a["status_code"] for a in second["attempts"]] == [401, 202]
    assert second["status"] == "delivered"


def test_refused_client_credentials_fail_at_once(make_standin, settings, live_server, credentials, charger):
    wrong = make_standin(push=push_config(live_server.url, credentials, client_secret="wrong"))
    point_platform_at(wrong, settings)
    _, asset_id = onboard_smart("1999999999999", "other-charger")
    client.tariff_update(asset_id=asset_id, tariff=TARIFF)
    client.intent(asset_id=asset_id, intent=INTENT)

    client.plug_in(asset_id=asset_id)

    [push] = pushes_done(wrong)
    assert push["status"] == "failed"
    assert [a["status_code"] for a in push["attempts"]] == [401]
    assert "access_token" not in str(push["attempts"])


def test_charge_now_replans_full_power_until_its_end_then_the_night_and_cancelling_replans_again(standin, charger):
    client.plug_in(asset_id=charger.axle_asset_id)
    pushes_done(standin)
    boost_end = PLUGGED_IN_AT + timedelta(hours=1)  # 22:00 -> 23:00, 7.4 kWh at peak time
    client.charge_now(asset_id=charger.axle_asset_id, end_at=boost_end)
    pushes = pushes_done(standin)
    assert [push["trigger"] for push in pushes] == ["plug-in", "charge-now"]
    current = ChargingSchedule.objects.get(asset=charger, is_current=True)
    # Full power for the hour, paused until off-peak at 23:30, full power to 05:30 (maximise), then paused.
    assert [(p["start_period_s"], p["limit"]) for p in current.periods] == [
        (0, 99999.0),
        (3600, 0.0),
        (5400, 99999.0),
        (27000, 0.0),
    ]
    client.charge_now_deleted(asset_id=charger.axle_asset_id)
    pushes = pushes_done(standin)
    assert [push["trigger"] for push in pushes] == ["plug-in", "charge-now", "charge-now-deleted"]
    current = ChargingSchedule.objects.get(asset=charger, is_current=True)
    assert [(p["start_period_s"], p["limit"]) for p in current.periods] == [(0, 0.0), (5400, 99999.0), (27000, 0.0)]
