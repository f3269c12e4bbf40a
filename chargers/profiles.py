"""OCPP 1.6 charging profiles as the platform holds them: parsed, typed, independent of who sent them.

Axle pushes profiles (smartcharging's receiver parses its JSON into these); the charger side turns
them into a SetChargingProfile a particular charger accepts (chargers.translation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

RateUnit = Literal["W", "A"]
Purpose = Literal["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]
Kind = Literal["Absolute", "Recurring", "Relative"]
Recurrency = Literal["Daily", "Weekly"]

NOMINAL_VOLTAGE_V = 230  # OCPP's conventional conversion: W = A x 230 V x phases
NO_LIMIT_W = 99999.0  # Axle's "charge at full power"


@dataclass(frozen=True)
class SchedulePeriod:
    start_period_s: int  # seconds from the schedule's start
    limit: float  # in the schedule's rate unit; 0 pauses charging
    number_phases: int | None = None


@dataclass(frozen=True)
class ChargingProfile:
    """An OCPP 1.6 ChargingProfile with its ChargingSchedule, nulls already read as absent."""

    stack_level: int
    purpose: Purpose
    kind: Kind
    rate_unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    start_schedule: datetime | None = None
    duration_s: int | None = None
    min_charging_rate: float | None = None
    recurrency_kind: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    charging_profile_id: int | None = None
    transaction_id: int | None = None

    def period_at(self, offset_s: float) -> SchedulePeriod | None:
        """The period in force `offset_s` seconds after the start (None before the first or after the end)."""
        if offset_s < 0 or (self.duration_s is not None and offset_s >= self.duration_s):
            return None
        current = None
        for period in self.periods:
            if period.start_period_s <= offset_s:
                current = period
            else:
                break
        return current

    @property
    def ends_at(self) -> datetime | None:
        if self.start_schedule is None or self.duration_s is None:
            return None
        return self.start_schedule + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class ChargerCapabilities:
    """What a charger accepts in a profile: from its record and its OCPP configuration keys."""

    rated_power_kw: Decimal
    phases: int  # 1 or 3
    max_current_a: int
    min_current_a: int
    rate_units: frozenset[RateUnit]  # ChargingScheduleAllowedChargingRateUnit
    max_stack_level: int | None = None  # ChargeProfileMaxStackLevel
    max_periods: int | None = None  # ChargingScheduleMaxPeriods

    @property
    def rated_power_w(self) -> float:
        return float(self.rated_power_kw) * 1000
