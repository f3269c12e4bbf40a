"""OCPP 1.6 charging profiles as the simulated charger holds them, and when each one's periods are in force.

Written from the OCPP 1.6 specification (§3.13 Smart Charging, §7.8 ChargingProfile), deliberately not from
the platform's own profile code (chargers.profiles, chargers.translation): the simulator plays an independent
charger, so a misreading of the spec on the platform side shows up as a disagreement instead of being copied.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, cast, get_args

RateUnit = Literal["W", "A"]
Purpose = Literal["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]
Kind = Literal["Absolute", "Recurring", "Relative"]
Recurrency = Literal["Daily", "Weekly"]

VOLTAGE_V = 230.0  # OCPP's conventional conversion: W = A x 230 V x phases
CYCLE_S: dict[Recurrency, int] = {"Daily": 86_400, "Weekly": 7 * 86_400}


class ProfileRejected(ValueError):
    """The charger answers SetChargingProfile with Rejected; the message says which rule refused it."""


@dataclass(frozen=True)
class Period:
    start_s: int  # seconds from the schedule's start
    limit: float  # in the profile's unit
    number_phases: int | None = None


@dataclass(frozen=True)
class Profile:
    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    unit: RateUnit
    periods: tuple[Period, ...]
    connector_id: int = 1  # 0: the whole charge point (the SetChargingProfile's connectorId, not in the profile)
    start_schedule: datetime | None = None
    duration_s: int | None = None
    recurrency: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: int | None = None

    def schedule_start(self, at: datetime, relative_start: datetime) -> datetime:
        """When the schedule cycle that `at` falls in began (Relative profiles start with the transaction)."""
        if self.kind == "Relative":
            return relative_start
        start = cast(datetime, self.start_schedule)  # install() guarantees one for Absolute and Recurring
        if self.kind == "Recurring":
            cycle = CYCLE_S[cast(Recurrency, self.recurrency)]
            cycles = math.floor((at - start).total_seconds() / cycle)
            return start + timedelta(seconds=cycles * cycle)
        return start

    def period_at(self, at: datetime, relative_start: datetime) -> Period | None:
        """The period in force at `at`, or None when the profile says nothing then (so a lower one applies)."""
        if (self.valid_from and at < self.valid_from) or (self.valid_to and at >= self.valid_to):
            return None
        offset = (at - self.schedule_start(at, relative_start)).total_seconds()
        if offset < 0 or (self.duration_s is not None and offset >= self.duration_s):
            return None
        current = None
        for period in self.periods:
            if period.start_s > offset:
                break
            current = period
        return current

    def boundaries(self, after: datetime, until: datetime, relative_start: datetime) -> Iterator[datetime]:
        """Every instant in (after, until] at which this profile's limit may change."""
        candidates = [instant for instant in (self.valid_from, self.valid_to) if instant is not None]
        if self.kind == "Recurring":
            start = cast(datetime, self.start_schedule)
            cycle = CYCLE_S[cast(Recurrency, self.recurrency)]
            first = math.floor((after - start).total_seconds() / cycle)
            last = math.floor((until - start).total_seconds() / cycle)
            starts = [start + timedelta(seconds=k * cycle) for k in range(first, last + 1)]
        else:
            starts = [self.schedule_start(after, relative_start)]
        for start in starts:
            candidates.extend(start + timedelta(seconds=period.start_s) for period in self.periods)
            if self.duration_s is not None:
                candidates.append(start + timedelta(seconds=self.duration_s))
        return (instant for instant in candidates if after < instant <= until)


def profile_from_ocpp(data: Mapping[str, Any], connector_id: int) -> Profile:
    """Read a csChargingProfiles object, camelCase as on the wire or snake_case as the ocpp package hands it."""
    raw = _snake_keys(data)
    try:
        schedule = raw["charging_schedule"]
        periods = tuple(
            Period(int(p["start_period"]), float(p["limit"]), _optional_int(p.get("number_phases")))
            for p in schedule["charging_schedule_period"]
        )
        return Profile(
            id=int(raw["charging_profile_id"]),
            stack_level=int(raw["stack_level"]),
            purpose=_choice(raw["charging_profile_purpose"], Purpose),
            kind=_choice(raw["charging_profile_kind"], Kind),
            unit=_choice(schedule["charging_rate_unit"], RateUnit),
            periods=periods,
            connector_id=connector_id,
            start_schedule=_optional_time(schedule.get("start_schedule")),
            duration_s=_optional_int(schedule.get("duration")),
            recurrency=_choice(raw["recurrency_kind"], Recurrency) if raw.get("recurrency_kind") else None,
            valid_from=_optional_time(raw.get("valid_from")),
            valid_to=_optional_time(raw.get("valid_to")),
            transaction_id=_optional_int(raw.get("transaction_id")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ProfileRejected(f"malformed profile: {error!r}") from error


def profile_to_ocpp(profile: Profile) -> dict[str, Any]:
    """The wire (camelCase) form of a profile: what `installed_profiles` shows and tests compare against."""
    schedule: dict[str, Any] = {
        "chargingRateUnit": profile.unit,
        "chargingSchedulePeriod": [
            {"startPeriod": p.start_s, "limit": p.limit}
            | ({"numberPhases": p.number_phases} if p.number_phases else {})
            for p in profile.periods
        ],
    }
    if profile.duration_s is not None:
        schedule["duration"] = profile.duration_s
    if profile.start_schedule is not None:
        schedule["startSchedule"] = iso(profile.start_schedule)
    optional = {
        "transactionId": profile.transaction_id,
        "recurrencyKind": profile.recurrency,
        "validFrom": iso(profile.valid_from) if profile.valid_from else None,
        "validTo": iso(profile.valid_to) if profile.valid_to else None,
    }
    return {
        "chargingProfileId": profile.id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": profile.purpose,
        "chargingProfileKind": profile.kind,
        "chargingSchedule": schedule,
    } | {key: value for key, value in optional.items() if value is not None}


def iso(instant: datetime) -> str:
    """OCPP's timestamp form: UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)  # OCPP times without offset are UTC


def _optional_time(value: object) -> datetime | None:
    return parse_time(str(value)) if value is not None else None


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float | Decimal | str):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


def _choice(value: object, options: Any) -> Any:
    if value not in get_args(options):
        raise ValueError(f"{value!r} is not one of {get_args(options)}")
    return value


def _snake_keys(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower(): _snake_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_snake_keys(item) for item in data]
    return data
