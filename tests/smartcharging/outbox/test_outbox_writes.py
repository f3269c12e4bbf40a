"""Each change writes its event for Axle in the same transaction, and only where Axle wants it."""

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from smartcharging.models import AxleEvent, EventKind, EventState, Proposition, TariffType
from smartcharging.services.boost import boost_cancel, boost_start
from smartcharging.services.enrolments import enrolment_request
from smartcharging.services.intents import intent_set, intent_set_one_off
from smartcharging.services.plugs import charger_plugged_in, charger_unplugged
from smartcharging.services.tariffs import tariff_set
from tests.factories import AssetFactory, SiteFactory, TariffFactory

pytestmark = pytest.mark.django_db


def kinds(site):
    return list(AxleEvent.objects.filter(site=site).order_by("id").values_list("kind", "state"))


def test_intent_change_on_a_smart_charging_site_is_owed_to_axle(smart_asset):
    intent_set(
        asset=smart_asset,
        energy_required_kwh=Decimal("42.5"),
        ready_by_local_time=time(6, 30),
        may_charge_peak=True,
    )
    (event,) = AxleEvent.objects.filter(kind=EventKind.INTENT)
    assert event.asset == smart_asset
    intent = event.payload["intent"]
    assert intent["energy_required_kwh"] == 42.5
    assert intent["ready_by_local_time"] == "06:30"
    assert intent["may_charge_peak"] is True
    assert intent["charging_mode"] == "minimise_charging_time"
    assert datetime.fromisoformat(intent["ready_by"]).tzinfo is not None


def test_flex_lite_sites_send_no_intent_or_tariff(flex_lite_asset):
    intent_set(asset=flex_lite_asset, energy_required_kwh=Decimal("10"), ready_by_local_time=time(7))
    tariff_set(site=flex_lite_asset.site, tariff_type=TariffType.DUAL_RATE, off_peak_windows="00:30-04:30")
    assert not AxleEvent.objects.exists()


def test_refused_change_writes_no_event(smart_asset):
    with pytest.raises(ValidationError):
        intent_set(asset=smart_asset, energy_required_kwh=Decimal("0"), ready_by_local_time=time(7))
    assert not AxleEvent.objects.exists()


def test_newer_intent_replaces_one_still_waiting(smart_asset):
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("10"), ready_by_local_time=time(7))
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("20"), ready_by_local_time=time(7))
    states = list(AxleEvent.objects.order_by("id").values_list("state", flat=True))
    assert states == [EventState.SUPERSEDED, EventState.PENDING]
    assert AxleEvent.objects.get(state=EventState.PENDING).payload["intent"]["energy_required_kwh"] == 20


def test_an_intent_being_delivered_is_not_collapsed(smart_asset):
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("10"), ready_by_local_time=time(7))
    in_flight = AxleEvent.objects.get()
    AxleEvent.objects.filter(pk=in_flight.pk).update(lease_token="00000000-0000-0000-0000-000000000001")
    intent_set(asset=smart_asset, energy_required_kwh=Decimal("20"), ready_by_local_time=time(7))
    assert AxleEvent.objects.filter(state=EventState.PENDING).count() == 2


def test_one_off_intent_is_sent_as_tonights_intent(smart_asset):
    evening = datetime(2027, 6, 1, 19, tzinfo=UTC)
    intent_set_one_off(asset=smart_asset, ready_by_local_time=time(5), energy_required_kwh=Decimal("60"), now=evening)
    intent = AxleEvent.objects.get(kind=EventKind.INTENT).payload["intent"]
    assert intent["energy_required_kwh"] == 60
    assert intent["ready_by_local_time"] == "05:00"


def test_tariff_change_is_sent_for_each_charger_with_midnight_split(smart_asset):
    second = AssetFactory(site=smart_asset.site)
    tariff_set(site=smart_asset.site, tariff_type=TariffType.DUAL_RATE, off_peak_windows="23:30-05:30")
    events = AxleEvent.objects.filter(kind=EventKind.TARIFF).order_by("asset_id")
    assert [e.asset for e in events] == [smart_asset, second]
    assert events[0].payload == {
        "tariff": {
            "off_peak_times": "00:00-05:30, 23:30-24:00",
            "timezone": "Europe/London",
            "tariff_type": "dual_rate",
        }
    }


def test_plug_in_carries_intent_tariff_and_vehicle_and_repeats_are_ignored(smart_asset):
    at = datetime(2027, 1, 10, 22, tzinfo=UTC)
    session = charger_plugged_in(asset=smart_asset, at=at, vehicle_charging_rate_kw=Decimal("7"))
    again = charger_plugged_in(asset=smart_asset, at=at + timedelta(minutes=1))
    assert again.pk == session.pk
    (plug_in,) = AxleEvent.objects.filter(kind=EventKind.PLUG_IN)
    assert set(plug_in.payload) == {"intent", "tariff", "vehicle"}
    assert plug_in.payload["vehicle"] == {"charging_rate_kw": 7.0}
    assert plug_in.payload["intent"]["ready_by"] == "2027-01-11T07:00:00+00:00"
    charger_unplugged(asset=smart_asset, at=at + timedelta(hours=9))
    charger_unplugged(asset=smart_asset, at=at + timedelta(hours=9, minutes=1))
    assert kinds(smart_asset.site) == [
        (EventKind.PLUG_IN, EventState.PENDING),
        (EventKind.PLUG_OUT, EventState.PENDING),
    ]


def test_boost_start_and_cancel(smart_asset):
    now = datetime(2027, 1, 10, 18, tzinfo=UTC)
    end = boost_start(asset=smart_asset, duration=timedelta(hours=2), now=now)
    boost_cancel(asset=smart_asset)
    charge_now, cancelled = AxleEvent.objects.order_by("id")
    assert charge_now.payload == {"end_at": "2027-01-10T20:00:00+00:00"}
    assert end == now + timedelta(hours=2)
    assert cancelled.kind == EventKind.CHARGE_NOW_DELETED


def test_boost_refused_outside_smart_charging_and_out_of_range(flex_lite_asset, smart_asset):
    with pytest.raises(ValidationError, match="not enrolled"):
        boost_start(asset=flex_lite_asset, duration=timedelta(hours=1), now=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError, match="between 15 minutes and 12 hours"):
        boost_start(asset=smart_asset, duration=timedelta(hours=13), now=datetime(2027, 1, 1, tzinfo=UTC))
    assert not AxleEvent.objects.exists()


def test_joining_smart_charging_queues_onboard_then_tariff_then_plug_in():
    asset = AssetFactory()
    TariffFactory(site=asset.site)
    charger_plugged_in(asset=asset, at=datetime(2027, 1, 10, 22, tzinfo=UTC))
    assert not AxleEvent.objects.exists()  # not in Smart Charging yet: nothing owed
    enrolment_request(site=asset.site, proposition=Proposition.SMART_CHARGING, email="ann@example.com")
    assert [k for k, _ in kinds(asset.site)] == [EventKind.ONBOARD, EventKind.TARIFF, EventKind.PLUG_IN]
    onboard = AxleEvent.objects.get(kind=EventKind.ONBOARD).payload
    assert onboard["proposition"] == "full_asset_schedule_control"
    assert onboard["site"]["mpan"] == asset.site.mpan
    assert onboard["site"]["gave_boundary_meter_consent_at"] == "2026-01-05T09:00:00+00:00"
    assert onboard["assets"][0] == {
        "external_id": asset.external_id,
        "type": "charger",
        "properties": {"power_kw": 7.4},
        "asset_model": "Zappi v2.1",
        "installation_date": "2024-05-01",
    }
    json.dumps(onboard)  # stored exactly as it will be sent
    # Asking again while it is under way adds nothing.
    enrolment_request(site=asset.site, proposition=Proposition.SMART_CHARGING)
    assert AxleEvent.objects.count() == 3


def test_enrolment_without_meter_consent_is_refused():
    site = SiteFactory(meter_consent_at=None)
    with pytest.raises(ValidationError, match="not consented"):
        enrolment_request(site=site, proposition=Proposition.SMART_CHARGING)
    assert not AxleEvent.objects.exists()
