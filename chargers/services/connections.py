"""A charger's connection to the gateway: where it is connected, what it said it is (admission: charger_admission)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction

from chargers.models import Asset, ChargerState, CommandAction

from .commands import command_enqueue, commands_resend_after_reconnect

# The configuration keys translation needs (OCPP 1.6 Smart Charging profile).
CONFIG_KEYS = (
    "ChargeProfileMaxStackLevel",
    "ChargingScheduleAllowedChargingRateUnit",
    "ChargingScheduleMaxPeriods",
    "MaxChargingProfilesInstalled",
)


@transaction.atomic
def charger_connected(asset: Asset, *, gateway_id: str, now: datetime) -> int:
    """This gateway holds the charger's socket now; commands left in flight elsewhere are sent again.

    Returns how many commands were put back in the queue.
    """
    state, _ = ChargerState.objects.select_for_update().get_or_create(asset=asset)
    state.connected, state.gateway_id, state.connected_at, state.last_seen_at = True, gateway_id, now, now
    state.save(update_fields=["connected", "gateway_id", "connected_at", "last_seen_at"])
    return commands_resend_after_reconnect(asset)


def charger_disconnected(asset: Asset, *, gateway_id: str, now: datetime) -> None:
    """The socket closed; unless the charger has already reconnected through another socket."""
    ChargerState.objects.filter(asset=asset, gateway_id=gateway_id, connected_at__lte=now).update(
        connected=False, disconnected_at=now
    )


def gateway_stopped(*, gateway_id: str, now: datetime) -> int:
    """A gateway shutting down (or restarting after a crash) lets go of every charger it held."""
    return ChargerState.objects.filter(gateway_id=gateway_id, connected=True).update(
        connected=False, disconnected_at=now
    )


def chargers_seen(asset_ids: Iterable[int], *, now: datetime) -> int:
    """Heartbeats and messages, batched: one UPDATE for every charger heard from since the last one."""
    ids = list(asset_ids)
    return ChargerState.objects.filter(asset_id__in=ids).update(last_seen_at=now) if ids else 0


@transaction.atomic
def charger_booted(asset: Asset, *, vendor: str, model: str, firmware: str, now: datetime) -> None:
    """Record what the charger says it is, and ask for the configuration translation depends on."""
    said = {"vendor": vendor, "reported_model": model, "firmware_version": firmware, "booted_at": now}
    # The row exists once the charger has connected: one UPDATE, not update_or_create's lock and savepoint.
    if not ChargerState.objects.filter(asset=asset).update(**said):
        ChargerState.objects.update_or_create(asset=asset, defaults=said)
    command_enqueue(
        asset=asset, action=CommandAction.GET_CONFIGURATION, payload={"key": list(CONFIG_KEYS)}, replaces_pending=True
    )


def configuration_recorded(asset: Asset, *, keys: Iterable[Mapping[str, object]], now: datetime) -> list[str]:
    """Keep the configuration keys a charger reported; returns notes on values that made no sense."""
    values = {str(item.get("key")): item.get("value") for item in keys}
    notes: list[str] = []
    fields: dict[str, object] = {"config_read_at": now}
    for key, field in (
        ("ChargeProfileMaxStackLevel", "max_stack_level"),
        ("ChargingScheduleMaxPeriods", "max_periods"),
        ("MaxChargingProfilesInstalled", "max_profiles_installed"),
    ):
        if key in values:
            number = _whole_number(values[key])
            if number is None:
                notes.append(f"{key} = {values[key]!r} is not a whole number; ignored.")
            fields[field] = number
    if "ChargingScheduleAllowedChargingRateUnit" in values:
        units = {part.strip() for part in str(values["ChargingScheduleAllowedChargingRateUnit"]).split(",")}
        known = sorted(units & {"Current", "Power"})
        if not known:
            reported = values["ChargingScheduleAllowedChargingRateUnit"]
            notes.append(f"ChargingScheduleAllowedChargingRateUnit = {reported!r} names neither Current nor Power.")
        fields["allowed_rate_units"] = ",".join(known)
    ChargerState.objects.update_or_create(asset=asset, defaults=fields)
    return notes


def _whole_number(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None
