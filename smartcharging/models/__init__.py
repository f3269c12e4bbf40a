"""Smart-charging models: the domain (tariff, intent, enrolment) and the Axle outbox."""

from .domain import (
    MAX_ENERGY_KWH,
    WEEKDAY_FIELDS,
    ChargingIntent,
    ChargingMode,
    Enrolment,
    EnrolmentStatus,
    Proposition,
    Tariff,
    TariffType,
    validate_energy_kwh,
)
from .outbox import (
    AttemptOutcome,
    AxleEvent,
    AxleEventAttempt,
    EventKind,
    EventState,
    ReadingDelivery,
    ReadingState,
)

__all__ = [
    "MAX_ENERGY_KWH",
    "WEEKDAY_FIELDS",
    "AttemptOutcome",
    "AxleEvent",
    "AxleEventAttempt",
    "ChargingIntent",
    "ChargingMode",
    "Enrolment",
    "EnrolmentStatus",
    "EventKind",
    "EventState",
    "Proposition",
    "ReadingDelivery",
    "ReadingState",
    "Tariff",
    "TariffType",
    "validate_energy_kwh",
]
