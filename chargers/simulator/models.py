"""Charger model presets: the hardware, and the configuration keys its firmware reports in GetConfiguration.

The two presets bracket what the platform must cope with: a single-phase charger that only takes schedules in
watts, and a three-phase one that only takes amps with a shallow profile stack and few periods.
"""

from __future__ import annotations

from dataclasses import dataclass

from chargers.simulator.engine import ChargerSpec
from chargers.simulator.schedule import RateUnit

# OCPP 1.6 names the rate units in ChargingScheduleAllowedChargingRateUnit differently from the schedules.
_UNIT_NAMES: dict[RateUnit, str] = {"W": "Power", "A": "Current"}
WRITABLE_KEYS = frozenset({"HeartbeatInterval", "MeterValueSampleInterval", "MeterValuesSampledData"})


@dataclass(frozen=True)
class ChargerModel:
    name: str  # the preset's short name, as given to `simulate_chargers --model`
    vendor: str
    model: str
    firmware_version: str
    phases: int
    max_current_a: int
    rate_units: tuple[RateUnit, ...]  # the first is the unit the charger reports composite schedules in
    max_stack_level: int
    max_periods: int
    max_profiles: int
    heartbeat_interval_s: int = 300
    meter_interval_s: int = 60

    @property
    def spec(self) -> ChargerSpec:
        return ChargerSpec(
            phases=self.phases,
            max_current_a=self.max_current_a,
            allowed_units=self.rate_units,
            max_stack_level=self.max_stack_level,
            max_periods=self.max_periods,
            max_profiles=self.max_profiles,
        )

    def configuration(self) -> dict[str, str]:
        """The keys a fresh charger of this model answers GetConfiguration with (values are strings in OCPP)."""
        return {
            "ChargeProfileMaxStackLevel": str(self.max_stack_level),
            "ChargingScheduleAllowedChargingRateUnit": ",".join(_UNIT_NAMES[unit] for unit in self.rate_units),
            "ChargingScheduleMaxPeriods": str(self.max_periods),
            "MaxChargingProfilesInstalled": str(self.max_profiles),
            "HeartbeatInterval": str(self.heartbeat_interval_s),
            "MeterValueSampleInterval": str(self.meter_interval_s),
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            "NumberOfConnectors": "1",
            "SupportedFeatureProfiles": "Core,SmartCharging,RemoteTrigger",
            "AuthorizeRemoteTxRequests": "false",
        }


W7 = ChargerModel(
    name="w7",
    vendor="SimuCharge",
    model="Home 7",
    firmware_version="1.4.2-sim",
    phases=1,
    max_current_a=32,  # 32 A x 230 V = 7.36 kW
    rate_units=("W",),
    max_stack_level=8,
    max_periods=24,
    max_profiles=8,
)

A32 = ChargerModel(
    name="a32",
    vendor="SimuCharge",
    model="Home 22",
    firmware_version="2.0.7-sim",
    phases=3,
    max_current_a=32,  # 32 A x 230 V x 3 = 22.08 kW
    rate_units=("A",),
    max_stack_level=3,
    max_periods=10,
    max_profiles=4,
)

MODELS: dict[str, ChargerModel] = {model.name: model for model in (W7, A32)}
