"""What a charger reports over OCPP, turned into plug sessions, transactions and meter readings.

The gateway calls these with the charger's own timestamps. Chargers repeat messages after a
reconnect, send them late and occasionally out of order; each function is safe to call twice with
the same report, and a status older than the last one recorded changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from chargers.models import Asset, ChargerState, OcppTransaction
from chargers.services.metering import meter_samples_record

from .plugs import charger_plugged_in, charger_unplugged

# OCPP 1.6 ChargePointStatus values that mean a car is (or is not) connected to the connector.
PLUGGED_IN = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})
UNPLUGGED = frozenset({"Available"})
# Faulted, Unavailable and Reserved say nothing about the cable: the plug session is left as it is.


def status_reported(asset: Asset, *, connector_id: int, status: str, at: datetime) -> str:
    """Record a StatusNotification; returns "plug-in", "plug-out", "stale" or "" (no change to the plug)."""
    if connector_id == 0:
        return ""  # connector 0 is the charge point as a whole, not a socket a car plugs into
    with transaction.atomic():  # after the check above: connector 0 costs no BEGIN and COMMIT
        state, _ = ChargerState.objects.select_for_update().get_or_create(asset=asset)
        if state.status_at is not None and at < state.status_at:
            return "stale"  # a late copy of an older status: the newer one already decided the plug state
        state.connector_status, state.status_at = status, at
        state.save(update_fields=["connector_status", "status_at"])
        if status in PLUGGED_IN:
            charger_plugged_in(asset=asset, at=at)
            return "plug-in"
        if status in UNPLUGGED:
            charger_unplugged(asset=asset, at=at)
            _stop_running(asset, at=at, meter_stop_wh=None, reason="EVDisconnected")
            return "plug-out"
        return ""


@transaction.atomic
def transaction_started(asset: Asset, *, id_tag: str, meter_start_wh: float, at: datetime) -> OcppTransaction:
    """A StartTransaction: the car is plugged in; its transaction id is our row's id.

    The same start sent again (the charger lost our answer) gets the same id back.
    """
    running = OcppTransaction.objects.select_for_update().filter(asset=asset, stopped_at__isnull=True).first()
    if running is not None:
        if running.started_at == at and running.id_tag == id_tag:
            return running
        # The charger started a new transaction without stopping the old one (it rebooted mid-session).
        _stop_running(asset, at=max(at, running.started_at), meter_stop_wh=None, reason="Reboot")
    session = charger_plugged_in(asset=asset, at=at)
    started = OcppTransaction.objects.create(
        asset=asset, session=session, id_tag=id_tag[:20], started_at=at, meter_start_wh=meter_start_wh
    )
    meter_samples_record(asset=asset, samples=[(at, meter_start_wh)])
    return started


@transaction.atomic
def transaction_stopped(
    asset: Asset, *, transaction_id: int, meter_stop_wh: float, at: datetime, reason: str
) -> OcppTransaction | None:
    """A StopTransaction; a car that was unplugged (EVDisconnected) ends its plug session too."""
    stopped = OcppTransaction.objects.select_for_update().filter(asset=asset, pk=transaction_id).first()
    if stopped is None:
        return None  # not ours (or from before a database restore): the charger still gets its answer
    if stopped.stopped_at is None or stopped.meter_stop_wh is None:
        # An "Available" status may have closed it already, without the meter reading: complete it.
        stopped.stopped_at = min(stopped.stopped_at or at, max(at, stopped.started_at))
        stopped.meter_stop_wh, stopped.stop_reason = meter_stop_wh, reason[:20]
        stopped.save(update_fields=["stopped_at", "meter_stop_wh", "stop_reason"])
    meter_samples_record(asset=asset, samples=[(at, meter_stop_wh)])
    if reason == "EVDisconnected":
        charger_unplugged(asset=asset, at=at)
    return stopped


def meter_values_reported(asset: Asset, *, samples: Sequence[tuple[datetime, float]]) -> int:
    """Energy register readings from MeterValues (or a transaction's start and stop)."""
    return meter_samples_record(asset=asset, samples=samples)


def _stop_running(asset: Asset, *, at: datetime, meter_stop_wh: float | None, reason: str) -> None:
    OcppTransaction.objects.filter(asset=asset, stopped_at__isnull=True, started_at__lte=at).update(
        stopped_at=at, meter_stop_wh=meter_stop_wh, stop_reason=reason
    )
