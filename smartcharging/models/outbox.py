"""The transactional outbox: every event the platform owes Axle is a row, written with its cause.

A service that changes the domain writes the event in the same transaction; a Celery task delivers
it after commit and a periodic sweep re-queues whatever is due, so nothing is lost when Redis, the
worker or Axle is down. Events of one site leave in the order they were written (a plug-out never
overtakes its plug-in); a lease on the event being delivered keeps two workers off the same row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class EventKind(models.TextChoices):
    ONBOARD = "onboard", "Onboard site and chargers"
    ENROL = "enrol", "Enrol in a proposition"
    UNENROL = "unenrol", "Unenrol from a proposition"
    TARIFF = "tariff", "Tariff update"
    INTENT = "intent", "Intent"
    PLUG_IN = "plug_in", "Plug-in"
    PLUG_OUT = "plug_out", "Plug-out"
    CHARGE_NOW = "charge_now", "Charge now (boost)"
    CHARGE_NOW_DELETED = "charge_now_deleted", "Charge now cancelled"
    SCHEDULE_CALLBACK = "schedule_callback", "Schedule acknowledgement"
    PLUG_IN_SCHEDULE = "plug_in_schedule", "Flex Lite plug-in schedule"
    INITIALISE = "initialise", "Initialise site and chargers (no enrolment)"
    OFFBOARD = "offboard", "Offboard site and chargers"


# Only the newest of these matters to Axle: an older one still waiting can be dropped safely.
COLLAPSIBLE_KINDS = frozenset({EventKind.TARIFF, EventKind.INTENT})


class EventState(models.TextChoices):
    PENDING = "pending", "Waiting to be delivered"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (needs an admin)"
    SUPERSEDED = "superseded", "Superseded by a newer event"


class AxleEvent(models.Model):
    """One event for Axle, delivered in order with the other events of its site."""

    site = models.ForeignKey("chargers.Site", on_delete=models.CASCADE, related_name="axle_events")
    asset = models.ForeignKey(
        "chargers.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="axle_events"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    payload = models.JSONField(default=dict, blank=True, help_text="The body sent to Axle, as of the change.")
    state = models.CharField(max_length=12, choices=EventState.choices, default=EventState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set while a worker delivers the event; an expired lease means the worker died mid-delivery.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response = models.JSONField(null=True, blank=True, help_text="Axle's answer when it was delivered.")
    # Set when the event is a step of a site's migration between products: its outcome is the step's.
    migration_item = models.ForeignKey(
        "smartcharging.MigrationItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["site", "state", "id"], name="axleevent_stream"),
            models.Index(
                fields=["next_attempt_at"],
                name="axleevent_due",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    TRANSIENT = "transient", "Failed, will retry"
    PERMANENT = "permanent", "Refused, will not retry"


class AxleEventAttempt(models.Model):
    """One try at delivering an event: when, how long, and exactly what Axle answered."""

    event = models.ForeignKey(AxleEvent, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices)
    message = models.TextField(blank=True)
    error_body = models.JSONField(null=True, blank=True, help_text="Axle's error body, as received.")

    class Meta:
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class ReadingState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Accepted by Axle"
    REFUSED = "refused", "Refused by Axle (needs an admin)"


class ReadingDelivery(models.Model):
    """A completed half-hour of charger consumption owed to Axle (`charger_consumption_energy_kwh`)."""

    asset = models.ForeignKey("chargers.Asset", on_delete=models.CASCADE, related_name="reading_deliveries")
    interval_start = models.DateTimeField(help_text="UTC, aligned to :00 or :30; the interval lasts 30 minutes.")
    energy_kwh = models.DecimalField(max_digits=8, decimal_places=3)
    state = models.CharField(max_length=8, choices=ReadingState.choices, default=ReadingState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["interval_start", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "interval_start"], name="reading_once_per_asset_interval")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "interval_start"],
                name="reading_due",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.energy_kwh} kWh from {self.interval_start:%Y-%m-%d %H:%M}Z"


class JobWatermark(models.Model):
    """How far a periodic job has got, so a run after an outage starts where the last one ended."""

    name = models.CharField(max_length=64, primary_key=True)
    reached = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.reached:%Y-%m-%d %H:%M}Z"
