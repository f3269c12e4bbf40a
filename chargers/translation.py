"""Turn a profile Axle pushes into an OCPP 1.6 SetChargingProfile.req that one particular charger accepts.

Pure: no database, no network; the only I/O is reading the OCPP JSON schema shipped in the `ocpp` package.
Axle's profile is not valid OCPP for a real charger (null ids, stack level 1100, 99999 W for "no limit"),
so every adjustment made here is explained in a note an admin can read next to the schedule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from chargers.profiles import (
    NO_LIMIT_W,
    NOMINAL_VOLTAGE_V,
    ChargerCapabilities,
    ChargingProfile,
    Purpose,
    RateUnit,
    SchedulePeriod,
)

# Used when the charger has not reported ChargeProfileMaxStackLevel. OCPP 1.6 sets no minimum for that
# key; 8 is MicroOcpp's default (firmware inside many home chargers) and low enough for others we know.
DEFAULT_MAX_STACK_LEVEL = 8
# Above these a charger record is a typing error, not a home charger (and the numbers would no longer
# fit the schema's "multiple of 0.1" check), so we refuse rather than send an absurd limit.
MAX_SANE_POWER_KW = Decimal(1000)
MAX_SANE_CURRENT_A = 1000
_TENTH = Decimal("0.1")  # OCPP 1.6 limits carry at most one decimal


@dataclass(frozen=True)
class Translation:
    """A SetChargingProfile.req payload ready to send, and every change made so the charger accepts it."""

    request: dict[str, object]
    notes: tuple[str, ...]


class ProfileRefused(ValueError):
    """The charger cannot follow this profile; the message says why in words an admin understands."""


class InvalidSetChargingProfile(ValueError):
    """A payload that does not validate against OCPP 1.6's SetChargingProfile JSON schema."""


def translate_for_charger(
    profile: ChargingProfile,
    *,
    charger: ChargerCapabilities,
    profile_id: int,
    transaction_id: int | None,
    connector_id: int = 1,
) -> Translation:
    """The SetChargingProfile.req that makes `charger` follow `profile` as closely as it can.

    Raises ProfileRefused when it cannot (a negative limit, a ChargePointMaxProfile, disordered periods,
    an inconsistent charger record). Any payload returned validates against the OCPP 1.6 schema.
    """
    if connector_id < 0:
        raise ValueError(f"connector_id must be 0 or more, not {connector_id}")
    _check_charger(charger)
    _check_periods(profile)
    notes: list[str] = []
    purpose = _purpose(profile, transaction_id, notes)
    stack_level = _stack_level(profile, charger, notes)
    unit = _target_unit(profile.rate_unit, charger, notes)
    periods = [_translate_period(p, profile.rate_unit, unit, charger, notes) for p in profile.periods]
    merged = _merge_equal_neighbours(periods)
    if len(merged) < len(periods):
        notes.append(f"{len(periods) - len(merged)} period(s) with the same limit as the one before: merged.")
    if charger.max_periods is not None and len(merged) > charger.max_periods:
        notes.append(
            f"The charger takes at most {charger.max_periods} periods, the schedule had {len(merged)}: merged "
            "the closest neighbours, keeping the higher limit, so the car gets at least the energy planned."
        )
        merged = _merge_equal_neighbours(_fit(merged, charger.max_periods, profile.duration_s, unit, charger))
    valid_from, valid_to = _iso(profile.valid_from, "validFrom"), _iso(profile.valid_to, "validTo")
    if profile.valid_from and profile.valid_to and profile.valid_to <= profile.valid_from:
        raise ProfileRefused(f"validTo {valid_to} is not after validFrom {valid_from}.")
    schedule = {
        "duration": profile.duration_s,
        "startSchedule": _iso(profile.start_schedule, "startSchedule"),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            _without_nulls({"startPeriod": p.start_period_s, "limit": p.limit, "numberPhases": p.number_phases})
            for p in merged
        ],
        "minChargingRate": _min_charging_rate(profile, unit, charger, notes),
    }
    cs_profile = {
        "chargingProfileId": profile_id,
        "transactionId": transaction_id if purpose == "TxProfile" else None,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": profile.kind,
        "recurrencyKind": profile.recurrency_kind,
        "validFrom": valid_from,
        "validTo": valid_to,
        "chargingSchedule": _without_nulls(schedule),
    }
    request: dict[str, object] = {"connectorId": connector_id, "csChargingProfiles": _without_nulls(cs_profile)}
    # A payload that would not validate is our bug, not Axle's: raise rather than let it reach a charger.
    validate_set_charging_profile(request)
    # The same adjustment made to many periods is worth one note, in the order first made.
    return Translation(request=request, notes=tuple(dict.fromkeys(notes)))


def validate_set_charging_profile(request: Mapping[str, object]) -> None:
    """Raise InvalidSetChargingProfile unless `request` matches OCPP 1.6's SetChargingProfile.req schema.

    Numbers are checked as the JSON text a charger receives, read as Decimal: as binary floats 0.3 is
    not a multiple of 0.1 (the ocpp package's own validator works around this the same way).
    """
    try:
        wire = json.loads(json.dumps(request, allow_nan=False), parse_float=Decimal)
        errors = list(_schema_validator().iter_errors(wire))
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidSetChargingProfile(f"SetChargingProfile.req cannot be checked as JSON: {exc}") from exc
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
        raise InvalidSetChargingProfile(f"SetChargingProfile.req breaks the OCPP 1.6 schema: {details}")


@cache
def _schema_validator() -> Any:
    schema_file = resources.files("ocpp").joinpath("v16/schemas/SetChargingProfile.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _check_charger(charger: ChargerCapabilities) -> None:
    """Refuse records no charger could have: better an admin fixes the record than we send nonsense."""
    problems: list[str] = []
    kw = charger.rated_power_kw
    if not kw.is_finite() or not 0 < kw <= MAX_SANE_POWER_KW:
        problems.append(f"its rated power {kw} kW is not between 0 and {MAX_SANE_POWER_KW} kW")
    if charger.phases not in (1, 3):
        problems.append(f"it has {charger.phases} phases, not 1 or 3")
    if not 0 < charger.max_current_a <= MAX_SANE_CURRENT_A:
        problems.append(f"its maximum current {charger.max_current_a} A is not between 0 and {MAX_SANE_CURRENT_A} A")
    if not 0 <= charger.min_current_a <= charger.max_current_a:
        problems.append(f"its minimum current {charger.min_current_a} A is not between 0 and its maximum")
    elif not problems and _minimum(charger, "W", charger.phases) > charger.rated_power_w:
        problems.append(f"its minimum current {charger.min_current_a} A needs more than its rated power")
    if charger.max_periods is not None and charger.max_periods < 1:
        problems.append(f"it takes at most {charger.max_periods} schedule periods")
    if problems:
        raise ProfileRefused(f"The charger's record cannot be right: {'; '.join(problems)}. Fix the record.")


def _check_periods(profile: ChargingProfile) -> None:
    starts = [p.start_period_s for p in profile.periods]
    if not starts:
        raise ProfileRefused("The schedule has no periods.")
    if starts[0] != 0:
        raise ProfileRefused(f"The first period starts at {starts[0]} s; OCPP requires it to start at 0.")
    if any(later <= earlier for earlier, later in pairwise(starts)):
        raise ProfileRefused(f"Period starts must strictly increase; they are {starts}.")
    if profile.duration_s is not None and profile.duration_s <= 0:
        raise ProfileRefused(f"The schedule's duration {profile.duration_s} s is not positive.")


def _purpose(profile: ChargingProfile, transaction_id: int | None, notes: list[str]) -> Purpose:
    if profile.purpose == "ChargePointMaxProfile":
        raise ProfileRefused(
            "Axle sent a ChargePointMaxProfile, which caps the whole charge point (the installer's limit "
            "for the home); Axle may only schedule charging sessions (TxProfile or TxDefaultProfile)."
        )
    if profile.purpose == "TxProfile" and transaction_id is not None:
        return "TxProfile"
    if profile.purpose == "TxProfile":
        notes.append("No charging session is running: sent as the default for the next one (TxDefaultProfile).")
    return "TxDefaultProfile"


def _stack_level(profile: ChargingProfile, charger: ChargerCapabilities, notes: list[str]) -> int:
    # Axle's every schedule replaces the last. OCPP 1.6 replaces an installed profile that has the same
    # stackLevel and purpose, so the level must not depend on anything that changes between schedules.
    if charger.max_stack_level is not None:
        level, why = max(charger.max_stack_level, 0), "the charger's maximum"
    else:
        level, why = (
            min(max(profile.stack_level, 0), DEFAULT_MAX_STACK_LEVEL),
            f"its maximum is unknown; {DEFAULT_MAX_STACK_LEVEL} is widely accepted",
        )
    if level != profile.stack_level:
        notes.append(
            f"Stack level {profile.stack_level} set to {level} ({why}); every schedule uses this level, "
            "so each new one replaces the previous one on the charger."
        )
    return level


def _target_unit(unit: RateUnit, charger: ChargerCapabilities, notes: list[str]) -> RateUnit:
    if unit in charger.rate_units or not charger.rate_units:  # not reported: the charger may take either
        return unit
    other: RateUnit = "A" if unit == "W" else "W"
    formula = "A = W / (230 V x phases)" if other == "A" else "W = A x 230 V x phases"
    notes.append(
        f"The charger accepts only {other}: limits converted from {unit} ({formula}), rounded down to 0.1 {other}."
    )
    return other


def _translate_period(
    period: SchedulePeriod, unit: RateUnit, target: RateUnit, charger: ChargerCapabilities, notes: list[str]
) -> SchedulePeriod:
    phases = period.number_phases
    if phases is not None and (phases not in (1, 3) or phases > charger.phases):
        notes.append(f"numberPhases {phases} dropped: the charger charges on {charger.phases} phase(s).")
        phases = None
    if unit == "W" and period.limit >= NO_LIMIT_W and phases is not None and phases < charger.phases:
        # "No limit" means the charger's full rating: kept on one phase, 99999 W became 32 A on one
        # phase of a 22 kW charger, 7.36 kW.
        notes.append(f'numberPhases {phases} with "no limit": all {charger.phases} phases, the full rating.')
        phases = charger.phases
    limit = _limit(period.limit, unit, target, phases or charger.phases, charger, notes)
    return SchedulePeriod(start_period_s=period.start_period_s, limit=limit, number_phases=phases)


def _limit(
    limit: float, unit: RateUnit, target: RateUnit, phases: int, charger: ChargerCapabilities, notes: list[str]
) -> float:
    """`limit` in `target` units, within the charger's rating and above its minimum current (or 0)."""
    if math.isnan(limit) or limit < 0:
        raise ProfileRefused(f"Limit {limit} {unit} is negative or not a number; a charger cannot follow it.")
    value, rating = _convert(limit, unit, target, phases), _rating(charger, target)
    if value > rating:
        label = ' ("no limit")' if unit == "W" and limit == NO_LIMIT_W else ""
        notes.append(
            f"Limit {_fmt(limit)} {unit}{label} above the charger's {_fmt(rating)} {target} rating: "
            f"clamped to {_fmt(rating)} {target}."
        )
        value = rating
    value = _floor_tenth(value)
    minimum = _minimum(charger, target, phases)
    if 0 < value < minimum:
        # Below its minimum a car does not charge at all. Close to it, charging at the minimum keeps the
        # ready-by promise; far below it, the plan barely charged, so pausing is the closer match.
        raised = value >= minimum / 2
        outcome = f"raised to {_fmt(minimum)} {target}" if raised else f"paused (0 {target})"
        notes.append(f"{_fmt(value)} {target} is below the {_fmt(minimum)} {target} minimum charging rate: {outcome}.")
        value = minimum if raised else 0.0
    return value + 0.0  # turns -0.0 into 0.0


def _min_charging_rate(
    profile: ChargingProfile, unit: RateUnit, charger: ChargerCapabilities, notes: list[str]
) -> float | None:
    rate = profile.min_charging_rate
    if rate is None:
        return None
    if math.isnan(rate) or rate < 0:
        raise ProfileRefused(f"minChargingRate {rate} {profile.rate_unit} is negative or not a number.")
    value, rating = _convert(rate, profile.rate_unit, unit, charger.phases), _rating(charger, unit)
    if value > rating:
        notes.append(
            f"minChargingRate {_fmt(rate)} {profile.rate_unit} above the charger's {_fmt(rating)} {unit} rating: "
            f"clamped to {_fmt(rating)} {unit}."
        )
        value = rating
    # A minimum of 0 says nothing (every rate is at least 0), so it is left out rather than sent.
    return _floor_tenth(value) or None


def _merge_equal_neighbours(periods: list[SchedulePeriod]) -> list[SchedulePeriod]:
    merged = periods[:1]
    for period in periods[1:]:
        if (period.limit, period.number_phases) != (merged[-1].limit, merged[-1].number_phases):
            merged.append(period)
    return merged


def _fit(
    periods: list[SchedulePeriod],
    max_periods: int,
    duration_s: int | None,
    unit: RateUnit,
    charger: ChargerCapabilities,
) -> list[SchedulePeriod]:
    """Merge neighbours until `max_periods` remain, each time the pair whose merge adds the least energy.

    A merged period takes the higher limit: the homeowner's ready-by matters more than a few pence, so
    the car may get more energy than planned but never less.
    """
    periods = list(periods)
    while len(periods) > max_periods:
        costs = [_merge_cost(periods, i, duration_s, unit, charger) for i in range(len(periods) - 1)]
        i = costs.index(min(costs))
        periods[i : i + 2] = [_merged(periods[i], periods[i + 1], unit, charger)]
    return periods


def _merge_cost(
    periods: list[SchedulePeriod], i: int, duration_s: int | None, unit: RateUnit, charger: ChargerCapabilities
) -> float:
    merged = _merged(periods[i], periods[i + 1], unit, charger)
    cost = 0.0
    for j in (i, i + 1):
        end = periods[j + 1].start_period_s if j + 1 < len(periods) else duration_s
        length = math.inf if end is None else max(end - periods[j].start_period_s, 0)
        extra = _rate(merged, unit, charger) - _rate(periods[j], unit, charger)
        cost += extra * length if extra else 0.0  # avoids inf x 0 for an open-ended last period
    return cost


def _merged(
    first: SchedulePeriod, second: SchedulePeriod, unit: RateUnit, charger: ChargerCapabilities
) -> SchedulePeriod:
    # Different phase counts merge to the charger's own (the most), so no part gets less energy.
    phases = first.number_phases if first.number_phases == second.number_phases else None
    limit = max(first.limit, second.limit)
    minimum = _minimum(charger, unit, phases or charger.phases)
    return SchedulePeriod(first.start_period_s, minimum if 0 < limit < minimum else limit, phases)


def _rate(period: SchedulePeriod, unit: RateUnit, charger: ChargerCapabilities) -> float:
    """Power in proportion to the period's limit: a limit in A applies to each phase."""
    return period.limit * ((period.number_phases or charger.phases) if unit == "A" else 1)


def _convert(value: float, unit: RateUnit, target: RateUnit, phases: int) -> float:
    if unit == target:
        return value
    volts = NOMINAL_VOLTAGE_V * phases
    return value / volts if target == "A" else value * volts


def _rating(charger: ChargerCapabilities, unit: RateUnit) -> float:
    return _floor_tenth(charger.rated_power_w) if unit == "W" else float(charger.max_current_a)


def _minimum(charger: ChargerCapabilities, unit: RateUnit, phases: int) -> float:
    return float(charger.min_current_a * (NOMINAL_VOLTAGE_V * phases if unit == "W" else 1))


def _floor_tenth(value: float) -> float:
    # Down, never to nearest: a limit rounded up could exceed the charger's rating.
    return float(Decimal(str(value)).quantize(_TENTH, rounding=ROUND_FLOOR))


def _iso(moment: datetime | None, field: str) -> str | None:
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise ProfileRefused(f"{field} {moment} has no time zone, so the charger cannot know when it is.")
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    except OverflowError as exc:
        raise ProfileRefused(f"{field} {moment} is out of range.") from exc


def _without_nulls(values: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in values.items() if value is not None}


def _fmt(value: float) -> str:
    """7400.0 as '7400' and 3.25 as '3.25': numbers as an admin would write them."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
