"""The smart-charging domain: a site's tariff, each charger's charging intent, enrolments with Axle."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from smartcharging import offpeak

MIN_ENERGY_KWH = Decimal("0")
MAX_ENERGY_KWH = Decimal("200")  # more than any car battery on sale: anything above is a typo


def validate_energy_kwh(value: Decimal) -> None:
    if value is None:
        return
    if value <= MIN_ENERGY_KWH or value > MAX_ENERGY_KWH:
        raise ValidationError(
            "Enter the energy to add as more than 0 and at most 200 kWh (you entered %(value)s kWh).",
            code="energy_range",
            params={"value": value},
        )


class TariffType(models.TextChoices):
    """Axle's tariff types."""

    SINGLE_RATE = "single_rate", "Single rate"
    DUAL_RATE = "dual_rate", "Dual rate (off-peak windows)"
    DYNAMIC = "dynamic", "Dynamic (price changes every half hour)"
    SMART = "smart", "Smart (supplier-controlled)"
    UNKNOWN = "unknown", "Unknown"


class Tariff(models.Model):
    """A site's electricity tariff: its type, daily off-peak windows and, optionally, unit rates."""

    site = models.OneToOneField("chargers.Site", on_delete=models.CASCADE, related_name="tariff")
    tariff_type = models.CharField(max_length=16, choices=TariffType.choices, default=TariffType.UNKNOWN)
    name = models.CharField(max_length=100, blank=True, help_text="e.g. Economy 7, Octopus Go.")
    off_peak_windows = models.CharField(
        max_length=200,
        blank=True,
        validators=[offpeak.validate_windows_text],
        help_text="Local wall-clock windows, the same every day, e.g. 23:30-05:30 or 00:30-04:30, 13:00-16:00.",
    )
    peak_rate_pence = models.DecimalField(
        "peak unit rate (p/kWh)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("500"))],
    )
    off_peak_rate_pence = models.DecimalField(
        "off-peak unit rate (p/kWh)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("500"))],
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site_id"]

    def __str__(self) -> str:
        return self.name or self.get_tariff_type_display()

    @property
    def windows(self) -> list[offpeak.Window]:
        return offpeak.parse_windows(self.off_peak_windows)

    @property
    def axle_off_peak_times(self) -> str:
        return offpeak.to_axle_off_peak_times(self.windows)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        try:
            windows = offpeak.parse_windows(self.off_peak_windows)
        except ValidationError:
            return  # the field validator has already said what is wrong
        self.off_peak_windows = offpeak.format_windows(windows)
        if self.tariff_type == TariffType.DUAL_RATE and not windows:
            errors["off_peak_windows"] = "A dual-rate tariff needs its off-peak windows, e.g. 23:30-05:30."
        if self.tariff_type == TariffType.SINGLE_RATE and windows:
            errors["off_peak_windows"] = (
                "A single-rate tariff costs the same all day, so it has no off-peak windows; "
                "choose dual rate if some hours are cheaper."
            )
        if (
            self.peak_rate_pence is not None
            and self.off_peak_rate_pence is not None
            and windows
            and self.off_peak_rate_pence > self.peak_rate_pence
        ):
            errors["off_peak_rate_pence"] = "The off-peak rate is higher than the peak rate; are they swapped?"
        if errors:
            raise ValidationError(errors)


class ChargingMode(models.TextChoices):
    MAXIMISE = "maximise_charging_time", "Fill all cheap time (the kWh is a minimum)"
    MINIMISE = "minimise_charging_time", "Just what I asked for"


WEEKDAY_FIELDS = (
    "ready_by_monday",
    "ready_by_tuesday",
    "ready_by_wednesday",
    "ready_by_thursday",
    "ready_by_friday",
    "ready_by_saturday",
    "ready_by_sunday",
)


def _weekday_field(day: str) -> models.TimeField[time | None, time | None]:
    return models.TimeField(
        f"ready by on {day}s", null=True, blank=True, help_text=f"Overrides the daily ready-by on {day}s."
    )


class ChargingIntent(models.Model):
    """What the homeowner needs from a charger: kWh added by a ready-by time, and how to charge.

    The routine is the daily ready-by (with optional per-weekday times); a one-off for tonight sits
    beside it and expires at its own ready-by, so the routine is never overwritten.
    """

    asset = models.OneToOneField("chargers.Asset", on_delete=models.CASCADE, related_name="intent")
    energy_required_kwh = models.DecimalField(
        "energy to add (kWh)", max_digits=5, decimal_places=1, validators=[validate_energy_kwh]
    )
    ready_by_local_time = models.TimeField("ready by", help_text="Wall-clock time at the site.")
    charging_mode = models.CharField(max_length=32, choices=ChargingMode.choices, default=ChargingMode.MINIMISE)
    may_charge_peak = models.BooleanField(
        "may use peak time if needed",
        default=False,
        help_text="Only when off-peak time cannot meet the need.",
    )
    energy_estimated = models.BooleanField(
        default=False, help_text="The kWh is an estimate (e.g. from miles of range), not a measured need."
    )
    ready_by_monday = _weekday_field("Monday")
    ready_by_tuesday = _weekday_field("Tuesday")
    ready_by_wednesday = _weekday_field("Wednesday")
    ready_by_thursday = _weekday_field("Thursday")
    ready_by_friday = _weekday_field("Friday")
    ready_by_saturday = _weekday_field("Saturday")
    ready_by_sunday = _weekday_field("Sunday")
    one_off_energy_kwh = models.DecimalField(
        "one-off energy (kWh)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[validate_energy_kwh],
    )
    one_off_ready_by = models.DateTimeField(
        null=True, blank=True, help_text="A one-off ready-by (stored in UTC); the routine resumes after it."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asset_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(energy_required_kwh__gt=0, energy_required_kwh__lte=200),
                name="intent_energy_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(one_off_energy_kwh__isnull=True, one_off_ready_by__isnull=True)
                | models.Q(one_off_ready_by__isnull=False),
                name="intent_one_off_has_ready_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.energy_required_kwh} kWh by {self.ready_by_local_time:%H:%M}"

    def ready_by_for_weekday(self, weekday: int) -> time:
        """The routine ready-by for a weekday (0 = Monday): its own time, else the daily one."""
        own: time | None = getattr(self, WEEKDAY_FIELDS[weekday])
        return own or self.ready_by_local_time

    def clean(self) -> None:
        super().clean()
        if self.one_off_energy_kwh is not None and self.one_off_ready_by is None:
            raise ValidationError({"one_off_ready_by": "A one-off change needs its own ready-by time."})


class Proposition(models.TextChoices):
    """Axle's products."""

    FLEX_LITE = "limited_pause", "Flex Lite (one pause at plug-in)"
    SMART_CHARGING = "full_asset_schedule_control", "Smart Charging (full schedule control)"


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", "Enrolment sent, awaiting Axle"
    ENROLLED = "enrolled", "Enrolled"
    UNENROLLING = "unenrolling", "Unenrolment sent, awaiting Axle"
    UNENROLLED = "unenrolled", "Unenrolled"
    FAILED = "failed", "Refused by Axle"


# An enrolment sent (Axle's answer not yet back) counts as much as one confirmed: Axle may act on it first.
ACTIVE_ENROLMENT_STATUSES = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED)


class Enrolment(models.Model):
    """A site's membership of one Axle proposition, with Axle's last answer about it."""

    site = models.ForeignKey("chargers.Site", on_delete=models.CASCADE, related_name="enrolments")
    proposition = models.CharField(max_length=32, choices=Proposition.choices)
    status = models.CharField(max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING)
    override_withdrawal = models.BooleanField(
        default=False, help_text="Re-enrol a user who withdrew earlier; only on their own explicit request."
    )
    requested_at = models.DateTimeField(default=timezone.now)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    unenrolled_at = models.DateTimeField(null=True, blank=True)
    axle_status_code = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    axle_response = models.JSONField(null=True, blank=True, editable=False, help_text="Axle's last answer.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site_id", "proposition"]
        constraints = [
            models.UniqueConstraint(fields=["site", "proposition"], name="enrolment_one_per_site_and_proposition")
        ]
        indexes = [models.Index(fields=["proposition", "status"])]

    def __str__(self) -> str:
        return f"{self.get_proposition_display()}: {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ENROLMENT_STATUSES
