"""A car plugged in and out of a simulated charger becomes plug sessions, Axle events and readings."""

from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync

from chargers.models import HalfHourEnergy, MeterSample, OcppTransaction, PlugSession
from smartcharging.models import AxleEvent, EventKind
from smartcharging.services import charger_reports
from tests.chargers.ocpp.conftest import charger_running, gateway_running
from tests.chargers.ocpp.waiting import db, eventually

pytestmark = pytest.mark.django_db


def sessions(asset):
    return list(PlugSession.objects.filter(asset=asset).order_by("plugged_in_at"))


def events(asset):
    return list(AxleEvent.objects.filter(asset=asset).order_by("id").values_list("kind", flat=True))


def test_plug_in_and_out_open_and_close_one_session_and_tell_axle_each(smart_charger):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger, meter_interval_s=1) as car:
            await car.plug_in(car_max_kw=7.4)
            await eventually(lambda: sessions(smart_charger), until=lambda s: len(s) == 1)
            await eventually(lambda: MeterSample.objects.filter(asset=smart_charger).count(), until=lambda n: n >= 2)
            await car.unplug()
            return await eventually(lambda: sessions(smart_charger), until=lambda s: s[0].plugged_out_at)

    (session,) = async_to_sync(scenario)()
    assert session.plugged_out_at > session.plugged_in_at
    assert events(smart_charger) == [EventKind.PLUG_IN, EventKind.PLUG_OUT]
    (transaction,) = OcppTransaction.objects.filter(asset=smart_charger)
    assert transaction.session_id == session.pk
    assert transaction.stopped_at is not None
    assert transaction.meter_stop_wh > transaction.meter_start_wh
    assert transaction.stop_reason == "EVDisconnected"
    energy = sum(h.energy_kwh for h in HalfHourEnergy.objects.filter(asset=smart_charger))
    assert energy > 0  # the car drew power and the register readings became half-hourly energy


def test_a_charger_that_reconnects_mid_session_keeps_one_session(smart_charger):
    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, smart_charger) as car:
            await car.plug_in()
            await eventually(lambda: sessions(smart_charger), until=lambda s: len(s) == 1)
            await car.disconnect()
            assert await car.reconnect(5)  # boots again and reports "Charging" again
            await eventually(lambda: OcppTransaction.objects.count(), until=lambda n: n == 1)
            return await db(lambda: sessions(smart_charger))

    (session,) = async_to_sync(scenario)()
    assert session.plugged_out_at is None
    assert events(smart_charger) == [EventKind.PLUG_IN]


def test_a_late_copy_of_an_older_status_changes_nothing(smart_charger):
    t0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    charger_reports.status_reported(smart_charger, connector_id=1, status="Preparing", at=t0)
    charger_reports.status_reported(smart_charger, connector_id=1, status="Available", at=t0 + timedelta(hours=2))
    # The "Charging" from before the unplug arrives last: it must not plug the car back in.
    outcome = charger_reports.status_reported(
        smart_charger, connector_id=1, status="Charging", at=t0 + timedelta(minutes=5)
    )
    assert outcome == "stale"
    (session,) = sessions(smart_charger)
    assert session.plugged_out_at == t0 + timedelta(hours=2)
    assert events(smart_charger) == [EventKind.PLUG_IN, EventKind.PLUG_OUT]


def test_connector_zero_and_fault_statuses_leave_the_plug_alone(smart_charger):
    at = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    assert charger_reports.status_reported(smart_charger, connector_id=0, status="Available", at=at) == ""
    charger_reports.status_reported(smart_charger, connector_id=1, status="Charging", at=at)
    charger_reports.status_reported(smart_charger, connector_id=1, status="Faulted", at=at + timedelta(minutes=1))
    assert sessions(smart_charger)[0].plugged_out_at is None


def test_a_start_transaction_sent_twice_gets_the_same_transaction_id(smart_charger):
    at = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    first = charger_reports.transaction_started(smart_charger, id_tag="TAG", meter_start_wh=1000, at=at)
    again = charger_reports.transaction_started(smart_charger, id_tag="TAG", meter_start_wh=1000, at=at)
    assert first.pk == again.pk
    assert OcppTransaction.objects.count() == 1
    assert len(sessions(smart_charger)) == 1


def test_a_stop_after_the_available_status_still_records_the_meter_reading(smart_charger):
    at = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    started = charger_reports.transaction_started(smart_charger, id_tag="TAG", meter_start_wh=1000, at=at)
    charger_reports.status_reported(smart_charger, connector_id=1, status="Available", at=at + timedelta(hours=1))
    charger_reports.transaction_stopped(
        smart_charger, transaction_id=started.pk, meter_stop_wh=8400, at=at + timedelta(hours=1), reason="Local"
    )
    started.refresh_from_db()
    assert started.meter_stop_wh == 8400
    assert started.stopped_at == at + timedelta(hours=1)


def test_a_register_that_goes_backwards_is_read_as_a_reset_not_negative_energy(smart_charger):
    at = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    charger_reports.meter_values_reported(
        smart_charger, samples=[(at, 50_000.0), (at + timedelta(minutes=20), 52_000.0)]
    )
    # The meter was replaced: its register starts again from zero.
    charger_reports.meter_values_reported(
        smart_charger, samples=[(at + timedelta(minutes=40), 500.0), (at + timedelta(minutes=60), 2_500.0)]
    )
    energies = list(HalfHourEnergy.objects.filter(asset=smart_charger).values_list("energy_kwh", flat=True))
    assert energies
    assert all(e >= 0 for e in energies)
    assert sum(energies) <= 7  # never the 50 kWh a naive difference would invent
