"""Sites (homes, one electricity meter each) and the chargers (Axle "assets") installed at them."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Collection
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone as django_tz

from .validators import (
    normalise_postcode,
    validate_charge_point_id,
    validate_mpan,
    validate_postcode,
    validate_timezone,
)

# The highest UK supply voltage allowed (230 V + 10%): a charger cannot deliver more than
# phases x current x this, so a rated power above it is a typing mistake.
MAX_SUPPLY_VOLTAGE_V = 253


def default_site_timezone() -> str:
    return str(settings.SITE_DEFAULT_TIMEZONE)


class Site(models.Model):
    """A home with one import meter (identified by its MPAN); Axle's "site"."""

    household = models.ForeignKey(
        "accounts.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # moving out removes the household's link, not the site's history
        related_name="sites",
    )
    street_address = models.CharField(max_length=255)
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    mpan = models.CharField(
        "MPAN",
        max_length=13,
        unique=True,
        validators=[validate_mpan],
        help_text="13-digit meter point administration number (the MPAN core), check digit included.",
    )
    timezone = models.CharField(
        max_length=64,
        default=default_site_timezone,
        validators=[validate_timezone],
        help_text="Ready-by times and tariff windows are wall-clock times in this timezone.",
    )
    axle_site_id = models.UUIDField("Axle site id", null=True, blank=True, unique=True)
    meter_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the homeowner consented to Axle reading their boundary meter "
        "(sent to Axle as gave_boundary_meter_consent_at).",
    )
    created_at = models.DateTimeField(default=django_tz.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.street_address}, {self.postcode}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Normalised before the length check, so " sw1a1aa " is accepted as "SW1A 1AA".
        self.postcode = normalise_postcode(self.postcode)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        if self.meter_consent_at and self.meter_consent_at > django_tz.now():
            raise ValidationError({"meter_consent_at": "Consent cannot be recorded in the future."})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class RateUnits(models.TextChoices):
    """Which OCPP charging-rate units a charger accepts in a charging profile."""

    WATTS_AND_AMPS = "W,A", "Watts or amps"
    WATTS = "W", "Watts only"
    AMPS = "A", "Amps only"


def new_external_id() -> str:
    return f"chg_{uuid.uuid4().hex[:20]}"


class Asset(models.Model):
    """A charger at a site; Axle's "asset" (type "charger"), known to Axle by our external id."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    external_id = models.CharField(
        max_length=64,
        unique=True,
        default=new_external_id,
        help_text="Our id for this charger, sent to Axle as the asset's external_id.",
    )
    ocpp_charge_point_id = models.CharField(
        "OCPP charge point id",
        max_length=64,
        unique=True,
        validators=[validate_charge_point_id],
        help_text="The id the charger uses in its OCPP URL, /ocpp/<charge point id>.",
    )
    make = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    installation_date = models.DateField(null=True, blank=True)
    rated_power_kw = models.DecimalField(
        "rated power (kW)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("350"))],
    )
    phases = models.PositiveSmallIntegerField(choices=[(1, "Single phase"), (3, "Three phase")], default=1)
    max_current_a = models.PositiveSmallIntegerField(
        "max current (A)", default=32, validators=[MinValueValidator(6), MaxValueValidator(80)]
    )
    min_current_a = models.PositiveSmallIntegerField(
        "min current (A)",
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(32)],
        help_text="Below this current the car will not charge (IEC 61851: 6 A).",
    )
    rate_units = models.CharField(
        "charging rate units accepted",
        max_length=3,
        choices=RateUnits.choices,
        default=RateUnits.WATTS_AND_AMPS,
    )
    axle_asset_id = models.UUIDField("Axle asset id", null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=django_tz.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        permissions = [("set_charger_password", "Can give a charger a new OCPP password")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_current_a__lte=models.F("max_current_a")),
                name="asset_min_current_not_above_max",
            ),
            models.CheckConstraint(condition=models.Q(phases__in=[1, 3]), name="asset_phases_1_or_3"),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model} ({self.ocpp_charge_point_id})".strip()

    @property
    def asset_model(self) -> str:
        """The model name as Axle's eligibility rules want it ("make model")."""
        return f"{self.make} {self.model}".strip()

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.installation_date and self.installation_date > django_tz.localdate():
            errors["installation_date"] = "The installation date cannot be in the future."
        if (
            self.min_current_a is not None
            and self.max_current_a is not None
            and self.min_current_a > self.max_current_a
        ):
            errors["min_current_a"] = (
                f"The minimum current ({self.min_current_a} A) is above the maximum ({self.max_current_a} A)."
            )
        if self.rated_power_kw is not None and self.max_current_a and self.phases in (1, 3):
            ceiling_kw = Decimal(self.phases * self.max_current_a * MAX_SUPPLY_VOLTAGE_V) / 1000
            if self.rated_power_kw > ceiling_kw:
                errors["rated_power_kw"] = (
                    f"{self.rated_power_kw} kW is more than {self.phases} phase(s) x {self.max_current_a} A "
                    f"can deliver (at most {ceiling_kw:.1f} kW); check the rated power, phases and current."
                )
        if errors:
            raise ValidationError(errors)


class PlugSession(models.Model):
    """One plug-in of a car into a charger, until it is unplugged."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="plug_sessions")
    plugged_in_at = models.DateTimeField()
    plugged_out_at = models.DateTimeField(null=True, blank=True)
    vehicle_charging_rate_kw = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["asset_id", "-plugged_in_at"]
        constraints = [
            # A charger has at most one car plugged in: a repeated plug-in report must not open another.
            models.UniqueConstraint(
                fields=["asset"], condition=models.Q(plugged_out_at__isnull=True), name="plugsession_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(plugged_out_at__isnull=True)
                | models.Q(plugged_out_at__gte=models.F("plugged_in_at")),
                name="plugsession_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} from {self.plugged_in_at:%Y-%m-%d %H:%M}Z"


class MeterSample(models.Model):
    """A reading of the charger's cumulative import register (OCPP Energy.Active.Import.Register)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="meter_samples")
    taken_at = models.DateTimeField()
    register_wh = models.FloatField()
    power_w = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField(default=django_tz.now)

    class Meta:
        ordering = ["asset_id", "taken_at"]
        constraints = [
            # Chargers resend samples after reconnecting; the first copy is kept, repeats are ignored.
            models.UniqueConstraint(fields=["asset", "taken_at"], name="metersample_once_per_instant")
        ]

    def __str__(self) -> str:
        return f"{self.register_wh} Wh at {self.taken_at:%Y-%m-%d %H:%M:%S}Z"


class HalfHourEnergy(models.Model):
    """Energy a charger used in one 30-minute interval aligned to :00/:30 UTC, derived from samples."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="half_hours")
    interval_start = models.DateTimeField()
    energy_kwh = models.DecimalField(max_digits=8, decimal_places=3)
    estimated = models.BooleanField(default=False, help_text="Spread over a gap in the samples.")
    updated_at = models.DateTimeField(default=django_tz.now)

    class Meta:
        ordering = ["asset_id", "interval_start"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "interval_start"], name="halfhour_once_per_asset_interval")
        ]
        indexes = [models.Index(fields=["interval_start"], name="halfhour_interval")]

    def __str__(self) -> str:
        return f"{self.energy_kwh} kWh from {self.interval_start:%Y-%m-%d %H:%M}Z"


class ChargerState(models.Model):
    """What the OCPP gateway knows of a charger: its connection, its last status, its configuration."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="state", primary_key=True)
    password_hash = models.CharField(
        max_length=256,
        blank=True,
        help_text="If set, the charger must present its password with HTTP Basic (OCPP security profiles 1 and 2); "
        "kept as an HMAC (chargers/charger_password.py), never in clear.",
    )
    vendor = models.CharField(max_length=50, blank=True)
    reported_model = models.CharField(max_length=50, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True)
    booted_at = models.DateTimeField(null=True, blank=True)
    connected = models.BooleanField(default=False)
    gateway_id = models.CharField(max_length=100, blank=True, help_text="The gateway process holding its socket.")
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    connector_status = models.CharField(max_length=20, blank=True, help_text="OCPP ChargePointStatus of connector 1.")
    status_at = models.DateTimeField(null=True, blank=True)
    # From GetConfiguration: what translation must respect.
    max_stack_level = models.PositiveIntegerField(null=True, blank=True)
    allowed_rate_units = models.CharField(max_length=20, blank=True, help_text='e.g. "Current,Power".')
    max_periods = models.PositiveIntegerField(null=True, blank=True)
    max_profiles_installed = models.PositiveIntegerField(null=True, blank=True)
    config_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway_id", "connected"], name="chargerstate_gateway")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {'online' if self.connected else 'offline'} {self.connector_status}"


class OcppTransaction(models.Model):
    """A charging transaction the charger started; its primary key is the OCPP transactionId we gave it."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="transactions")
    session = models.ForeignKey(
        PlugSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    id_tag = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    meter_start_wh = models.FloatField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    meter_stop_wh = models.FloatField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=models.Q(stopped_at__isnull=True), name="transaction_one_running"
            )
        ]

    def __str__(self) -> str:
        return f"Transaction {self.pk} on {self.asset_id}"


class CommandAction(models.TextChoices):
    SET_CHARGING_PROFILE = "SetChargingProfile"
    CLEAR_CHARGING_PROFILE = "ClearChargingProfile"
    GET_COMPOSITE_SCHEDULE = "GetCompositeSchedule"
    GET_CONFIGURATION = "GetConfiguration"
    REMOTE_START = "RemoteStartTransaction"
    REMOTE_STOP = "RemoteStopTransaction"


class CommandState(models.TextChoices):
    PENDING = "pending", "Waiting for the charger"
    SENT = "sent", "Sent, no answer yet"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    NOT_SUPPORTED = "not_supported", "Not supported"
    TIMED_OUT = "timed_out", "No answer in time"
    FAILED = "failed", "Could not be sent"
    CANCELLED = "cancelled", "Replaced before it was sent"


class ChargerCommand(models.Model):
    """One OCPP request to a charger, kept until the charger answers (durable across reconnects and restarts)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="commands")
    action = models.CharField(max_length=30, choices=CommandAction.choices)
    payload = models.JSONField(
        default=dict, blank=True, help_text="The request's fields; a schedule's profile is built when it is sent."
    )
    schedule = models.ForeignKey(
        "smartcharging.ChargingSchedule", null=True, blank=True, on_delete=models.CASCADE, related_name="commands"
    )
    state = models.CharField(max_length=16, choices=CommandState.choices, default=CommandState.PENDING)
    created_at = models.DateTimeField(default=django_tz.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    gateway_id = models.CharField(max_length=100, blank=True)
    request = models.JSONField(null=True, blank=True, help_text="What was sent.")
    response = models.JSONField(null=True, blank=True, help_text="What the charger answered.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "asset"], name="command_state_asset")]

    def __str__(self) -> str:
        return f"{self.action} to {self.asset_id} ({self.state})"
