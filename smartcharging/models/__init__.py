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
    JobWatermark,
    ReadingDelivery,
    ReadingState,
)
from .schedules import ApplyState, ChargingSchedule, ScheduleShape, ScheduleSource, VerifyState

__all__ = [
    "MAX_ENERGY_KWH",
    "WEEKDAY_FIELDS",
    "ApplyState",
    "AttemptOutcome",
    "AxleEvent",
    "AxleEventAttempt",
    "ChargingIntent",
    "ChargingMode",
    "ChargingSchedule",
    "Enrolment",
    "EnrolmentStatus",
    "EventKind",
    "EventState",
    "JobWatermark",
    "Proposition",
    "ReadingDelivery",
    "ReadingState",
    "ScheduleShape",
    "ScheduleSource",
    "Tariff",
    "TariffType",
    "VerifyState",
    "validate_energy_kwh",
]
