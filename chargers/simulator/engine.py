"""A one-connector home charger's physics and OCPP 1.6 smart-charging rules: pure, no I/O, time passed in.

The async OCPP client (charger.py) drives this with a clock; tests drive it with exact instants. Every method
that changes state takes `now` and first integrates energy up to it, so the meter never credits a new limit,
car or transaction with time that passed before the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal

from chargers.simulator.schedule import VOLTAGE_V, Profile, ProfileRejected, Purpose, RateUnit

Status = Literal["Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing"]

CONNECTOR_ID = 1  # the only connector; 0 addresses the whole charge point
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ChargerSpec:
    """What the hardware can do and which profiles its firmware accepts (its configuration keys)."""

    phases: int
    max_current_a: float
    allowed_units: tuple[RateUnit, ...]  # the first is the unit it prefers to report in
    max_stack_level: int
    max_periods: int
    max_profiles: int
    min_current_a: float = 6.0  # IEC 61851: below 6 A a car cannot be told to charge, so it pauses

    @property
    def rating_w(self) -> float:
        return self.max_current_a * VOLTAGE_V * self.phases


@dataclass(frozen=True)
class Limit:
    """A limit in force, held in watts with the phases it was meant for, so it converts back to amps exactly."""

    watts: float
    phases: int

    @property
    def amps(self) -> float:
        return self.watts / (VOLTAGE_V * self.phases)

    def in_unit(self, unit: RateUnit) -> float:
        return self.watts if unit == "W" else self.amps


@dataclass
class Car:
    max_power_w: float
    battery_wh: float
    energy_wh: float

    @property
    def full(self) -> bool:
        return self.energy_wh >= self.battery_wh - _TOLERANCE

    @property
    def soc(self) -> float:
        return self.energy_wh / self.battery_wh


@dataclass(frozen=True)
class Transaction:
    id: int
    started_at: datetime
    meter_start_wh: float


@dataclass(frozen=True)
class CompositePeriod:
    start_s: int
    limit: float
    number_phases: int


@dataclass(frozen=True)
class CompositeSchedule:
    start: datetime
    duration_s: int
    unit: RateUnit
    periods: tuple[CompositePeriod, ...]


class Engine:
    def __init__(self, spec: ChargerSpec, now: datetime, register_wh: float = 0.0) -> None:
        self.spec = spec
        self.now = now
        self.register_wh = register_wh
        self.profiles: dict[int, Profile] = {}
        self.car: Car | None = None
        self.transaction: Transaction | None = None
        self._finished = False  # transaction stopped while the car stays plugged in

    # --- smart charging -------------------------------------------------------------------------------------

    def install(self, profile: Profile, now: datetime) -> Profile:
        """SetChargingProfile: install or replace, or raise ProfileRejected. Returns the profile as installed."""
        self.advance(now)
        profile = self._checked(profile, now)
        replaced = [
            key
            for key, old in self.profiles.items()
            if old.id == profile.id
            or (old.stack_level, old.purpose, old.connector_id)
            == (profile.stack_level, profile.purpose, profile.connector_id)
        ]
        if len(self.profiles) - len(replaced) >= self.spec.max_profiles:
            raise ProfileRejected(f"{self.spec.max_profiles} profiles already installed (MaxChargingProfilesInstalled)")
        for key in replaced:
            del self.profiles[key]
        self.profiles[profile.id] = profile
        return profile

    def clear(
        self,
        now: datetime,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """ClearChargingProfile: by id, else by every filter given (none given clears all). True if any went."""
        self.advance(now)
        if profile_id is not None:
            doomed = [profile_id] if profile_id in self.profiles else []
        else:
            doomed = [
                key
                for key, p in self.profiles.items()
                if (connector_id is None or p.connector_id == connector_id)
                and (purpose is None or p.purpose == purpose)
                and (stack_level is None or p.stack_level == stack_level)
            ]
        for key in doomed:
            del self.profiles[key]
        return bool(doomed)

    def limit_at(self, at: datetime, relative_start: datetime | None = None) -> Limit | None:
        """The profiles' limit at `at` (OCPP 1.6 §3.13.2), or None when no profile limits: full power.

        TxProfile beats TxDefaultProfile, highest stack level within a purpose, per instant (when a higher
        profile's schedule has ended the lower one applies again); ChargePointMaxProfile caps the result.
        Relative schedules start with the transaction, or at `relative_start` (default `at`) without one.
        """
        start = self.transaction.started_at if self.transaction else (relative_start or at)
        tx_limit = self._winner("TxProfile", at, start) or self._winner("TxDefaultProfile", at, start)
        cap = self._winner("ChargePointMaxProfile", at, start)
        candidates = [limit for limit in (tx_limit, cap) if limit is not None]
        return min(candidates, key=lambda limit: limit.watts) if candidates else None

    def offered_w(self, at: datetime) -> float:
        """What the charger lets a car draw at `at`: the limit capped by its rating, 0 below the minimum current."""
        limit = self.limit_at(at)
        if limit is None or limit.watts >= self.spec.rating_w:
            return self.spec.rating_w
        if limit.amps < self.spec.min_current_a - _TOLERANCE:
            return 0.0
        return limit.watts

    def composite_schedule(self, now: datetime, duration_s: int, unit: RateUnit | None = None) -> CompositeSchedule:
        """GetCompositeSchedule: from now for `duration_s`, one period per change of the limit actually offered."""
        self.advance(now)
        unit = unit or self.spec.allowed_units[0]
        end = now + timedelta(seconds=duration_s)
        instants = [now, *sorted({b for b in self._boundaries(now, end, relative_start=now) if b < end})]
        periods: list[CompositePeriod] = []
        rating = Limit(self.spec.rating_w, self.spec.phases)
        for instant in instants:
            limit = self.limit_at(instant, relative_start=now)
            effective = limit if limit is not None and limit.watts < rating.watts else rating
            period = CompositePeriod(
                int((instant - now).total_seconds()), round(effective.in_unit(unit), 1), effective.phases
            )
            if not periods or (periods[-1].limit, periods[-1].number_phases) != (period.limit, period.number_phases):
                periods.append(period)
        return CompositeSchedule(now, duration_s, unit, tuple(periods))

    # --- the car and the transaction ------------------------------------------------------------------------

    def plug_in(self, car: Car, now: datetime) -> None:
        self.advance(now)
        if self.car is not None:
            raise ValueError("a car is already plugged in")
        self.car = car
        self._finished = False

    def unplug(self, now: datetime) -> Transaction | None:
        """The car leaves; a running transaction ends with it (returned so the caller can report it)."""
        ended = self.stop_transaction(now)
        self.car = None
        self._finished = False
        return ended

    def start_transaction(self, transaction_id: int, now: datetime) -> Transaction:
        self.advance(now)
        if self.car is None or self.transaction is not None:
            raise ValueError("a transaction needs a plugged-in car and no transaction running")
        self.transaction = Transaction(transaction_id, now, self.register_wh)
        self._finished = False
        return self.transaction

    def stop_transaction(self, now: datetime) -> Transaction | None:
        """End the running transaction, if any; its TxProfiles go with it (OCPP 1.6 §3.13.1)."""
        self.advance(now)
        ended, self.transaction = self.transaction, None
        if ended is not None:
            self.profiles = {key: p for key, p in self.profiles.items() if p.purpose != "TxProfile"}
            self._finished = self.car is not None
        return ended

    # --- physics --------------------------------------------------------------------------------------------

    @property
    def power_w(self) -> float:
        return self._power_at(self.now)

    @property
    def status(self) -> Status:
        if self.car is None:
            return "Available"
        if self.transaction is None:
            return "Finishing" if self._finished else "Preparing"
        if self.offered_w(self.now) == 0:
            return "SuspendedEVSE"
        return "SuspendedEV" if self.car.full else "Charging"

    def advance(self, now: datetime) -> None:
        """Integrate power into the register (and the car's battery) up to `now`, piece by piece.

        Power is constant between schedule boundaries and the moment the battery fills, so stepping from one
        to the next is exact however far apart the calls are (a charger offline for a night still meters it).
        """
        if now <= self.now:
            return
        instant = self.now
        while instant < now:
            step_end = min(self._boundaries(instant, now), default=now)
            power = self._power_at(instant)
            car = self.car
            if power > 0 and car is not None:
                full_at = instant + timedelta(hours=(car.battery_wh - car.energy_wh) / power)
                step_end = min(step_end, full_at)
                energy = power * (step_end - instant).total_seconds() / 3600
                car.energy_wh = car.battery_wh if step_end == full_at else car.energy_wh + energy
                self.register_wh += energy
            instant = step_end
        self.now = now

    def next_change(self, now: datetime, horizon: timedelta = timedelta(days=8)) -> datetime | None:
        """The next instant the power may change by itself (a schedule boundary, the battery filling)."""
        self.advance(now)
        if self.car is None or self.transaction is None:
            return None
        instants = list(self._boundaries(now, now + horizon))
        power = self.power_w
        if power > 0:
            instants.append(now + timedelta(hours=(self.car.battery_wh - self.car.energy_wh) / power))
        return min(instants, default=None)

    def reset_register(self) -> None:
        """A replaced meter: the register starts again from 0."""
        self.register_wh = 0.0

    # --- internals ------------------------------------------------------------------------------------------

    def _power_at(self, at: datetime) -> float:
        if self.car is None or self.transaction is None or self.car.full:
            return 0.0
        return min(self.offered_w(at), self.car.max_power_w)

    def _boundaries(self, after: datetime, until: datetime, relative_start: datetime | None = None) -> list[datetime]:
        start = self.transaction.started_at if self.transaction else (relative_start or after)
        return [instant for p in self.profiles.values() for instant in p.boundaries(after, until, start)]

    def _winner(self, purpose: Purpose, at: datetime, relative_start: datetime) -> Limit | None:
        best: tuple[tuple[int, int], Limit] | None = None
        for profile in self.profiles.values():
            if profile.purpose != purpose:
                continue
            if purpose == "TxProfile" and (self.transaction is None or profile.transaction_id != self.transaction.id):
                continue
            period = profile.period_at(at, relative_start)
            if period is None:
                continue
            # A connector's own profile beats the charge point's (connector 0) at the same stack level.
            rank = (profile.stack_level, profile.connector_id)
            if best is None or rank > best[0]:
                phases = min(period.number_phases or self.spec.phases, self.spec.phases)
                watts = period.limit if profile.unit == "W" else period.limit * VOLTAGE_V * phases
                best = (rank, Limit(watts, phases))
        return best[1] if best else None

    def _checked(self, profile: Profile, now: datetime) -> Profile:
        """Apply the firmware's acceptance rules; fill in what the spec leaves to the charger."""
        spec = self.spec
        if profile.connector_id not in (0, CONNECTOR_ID):
            raise ProfileRejected(f"no connector {profile.connector_id}")
        if profile.purpose == "ChargePointMaxProfile" and profile.connector_id != 0:
            raise ProfileRejected("ChargePointMaxProfile only on connector 0")
        if not 0 <= profile.stack_level <= spec.max_stack_level:
            raise ProfileRejected(f"stack level {profile.stack_level} above {spec.max_stack_level}")
        if profile.unit not in spec.allowed_units:
            raise ProfileRejected(f"rate unit {profile.unit} not in {spec.allowed_units}")
        if not 0 < len(profile.periods) <= spec.max_periods:
            raise ProfileRejected(f"{len(profile.periods)} periods; 1 to {spec.max_periods} accepted")
        starts = [p.start_s for p in profile.periods]
        if starts[0] != 0 or any(a >= b for a, b in pairwise(starts)):
            raise ProfileRejected("periods must start at 0 and increase")
        if any(
            p.limit < 0 or (p.number_phases is not None and p.number_phases not in (1, 2, 3)) for p in profile.periods
        ):
            raise ProfileRejected("negative limit or impossible numberPhases")
        if profile.kind == "Recurring" and (profile.start_schedule is None or profile.recurrency is None):
            raise ProfileRejected("Recurring needs startSchedule and recurrencyKind")
        if profile.kind == "Absolute" and profile.start_schedule is None:
            profile = replace(profile, start_schedule=now)  # no start given: the schedule starts on receipt
        if profile.purpose == "TxProfile":
            tx = self.transaction
            if profile.connector_id == 0 or tx is None:
                raise ProfileRejected("TxProfile without a transaction on the connector")
            if profile.transaction_id not in (None, tx.id):
                raise ProfileRejected(f"TxProfile for transaction {profile.transaction_id}, running is {tx.id}")
            profile = replace(profile, transaction_id=tx.id)
        return profile
