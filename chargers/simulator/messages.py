"""The OCPP 1.6 calls a simulated charger sends, built from its state: pure, so the firmware loop stays short."""

from __future__ import annotations

from datetime import datetime

from ocpp.v16 import call

from chargers.simulator.models import ChargerModel
from chargers.simulator.schedule import iso

CONNECTOR_ID = 1


def boot_notification(model: ChargerModel, charge_point_id: str) -> call.BootNotification:
    return call.BootNotification(
        charge_point_model=model.model,
        charge_point_vendor=model.vendor,
        firmware_version=model.firmware_version,
        charge_point_serial_number=charge_point_id[-25:],  # the schema's maximum length
    )


def status_notification(connector_id: int, status: str, now: datetime) -> call.StatusNotification:
    return call.StatusNotification(connector_id=connector_id, error_code="NoError", status=status, timestamp=iso(now))


def stop_transaction(transaction_id: int, meter_stop_wh: float, reason: str, now: datetime) -> call.StopTransaction:
    return call.StopTransaction(
        meter_stop=round(meter_stop_wh), timestamp=iso(now), transaction_id=transaction_id, reason=reason
    )


def meter_values(
    register_wh: float,
    power_w: float,
    measurands: list[str],
    context: str,
    now: datetime,
    transaction_id: int | None,
) -> call.MeterValues:
    """One sample of the measurands the charger is configured to send (MeterValuesSampledData) that it has."""
    readings = {
        "Energy.Active.Import.Register": (round(register_wh), "Wh"),
        "Power.Active.Import": (round(power_w), "W"),
    }
    sampled = [
        {"value": str(value), "context": context, "measurand": name, "location": "Outlet", "unit": unit}
        for name in measurands
        if name in readings
        for value, unit in [readings[name]]
    ]
    return call.MeterValues(
        connector_id=CONNECTOR_ID,
        meter_value=[{"timestamp": iso(now), "sampledValue": sampled}],
        transaction_id=transaction_id,
    )
