"""Schedules Axle pushes for a charger: each stored as received, parsed, and kept in the history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ScheduleShape(models.TextChoices):
    PROFILE = "profile", "Bare ChargingProfile"
    WRAPPER = "wrapper", "SetChargingProfile wrapper"
    ENVELOPE = "envelope", "Webhook envelope"


class ApplyState(models.TextChoices):
    PENDING = "pending", "Waiting to be applied"
    TRANSLATED = "translated", "Translated for the charger"
    REFUSED = "refused", "The charger cannot follow it"
    SUPERSEDED = "superseded", "Replaced before it was applied"
    SENT = "sent", "Sent to the charger"
    APPLIED = "applied", "Accepted by the charger"
    CHARGER_REJECTED = "charger_rejected", "Rejected by the charger"
    FAILED = "failed", "The charger did not answer"


class ScheduleSource(models.TextChoices):
    AXLE = "axle", "Axle's schedule"
    FALLBACK = "fallback", "The platform's fallback"
    FLEX_LITE = "flex_lite", "Flex Lite pause"


class VerifyState(models.TextChoices):
    UNCHECKED = "", "Not checked yet"
    MATCHED = "matched", "The charger's schedule matches"
    MISMATCH = "mismatch", "The charger's schedule differs"
    UNAVAILABLE = "unavailable", "The charger could not say"


class ChargingSchedule(models.Model):
    """One schedule for one charger; the newest that arrived is the current one."""

    # No index of its own: schedule_asset_history starts with the asset and serves the same lookups,
    # and every index costs each push twice (the new row, and the new version of the replaced one).
    asset = models.ForeignKey("chargers.Asset", on_delete=models.CASCADE, related_name="schedules", db_index=False)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=ScheduleSource.choices, default=ScheduleSource.AXLE)
    shape = models.CharField(max_length=8, choices=ScheduleShape.choices)
    # Axle's event id, unique per charger (schedule_one_per_event_per_asset); NULL for a bare profile.
    envelope_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: no event id
    envelope_created_at = models.DateTimeField(null=True, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    profile_sha256 = models.CharField(max_length=64, help_text="Of the profile alone, to spot a repeat.")
    raw_payload = models.JSONField(help_text="The body exactly as Axle sent it.")
    # Parsed from the profile.
    stack_level = models.IntegerField()
    purpose = models.CharField(max_length=24)
    kind = models.CharField(max_length=10)
    recurrency_kind = models.CharField(max_length=8, blank=True)
    rate_unit = models.CharField(max_length=1)
    start_schedule = models.DateTimeField(null=True, blank=True)
    duration_s = models.PositiveIntegerField(null=True, blank=True)
    min_charging_rate = models.FloatField(null=True, blank=True)
    periods = models.JSONField(help_text='[{"start_period_s", "limit", "number_phases"}], as parsed.')
    is_current = models.BooleanField(default=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    # What applying it to the charger produced.
    apply_state = models.CharField(max_length=16, choices=ApplyState.choices, default=ApplyState.PENDING)
    charger_request = models.JSONField(null=True, blank=True, help_text="The SetChargingProfile sent to the charger.")
    apply_notes = models.TextField(blank=True, help_text="What translation changed, or why it was refused.")
    applied_at = models.DateTimeField(null=True, blank=True, help_text="When the charger accepted it.")
    verify_state = models.CharField(
        max_length=12, choices=VerifyState.choices, default=VerifyState.UNCHECKED, blank=True
    )
    verify_notes = models.TextField(blank=True, help_text="The charger's composite schedule against what was sent.")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=models.Q(is_current=True), name="schedule_one_current_per_asset"
            ),
            models.UniqueConstraint(
                fields=["asset", "envelope_id"],
                condition=models.Q(envelope_id__isnull=False),
                name="schedule_one_per_event_per_asset",
            ),
        ]
        indexes = [
            models.Index(fields=["asset", "-received_at"], name="schedule_asset_history"),
            # The apply task and its sweep read the few schedules waiting among the whole history.
            models.Index(
                fields=["received_at"],
                condition=models.Q(is_current=True, apply_state="pending"),
                name="schedule_waiting_to_apply",
            ),
        ]

    def __str__(self) -> str:
        return f"Schedule #{self.pk} for {self.asset_id} from {self.received_at:%Y-%m-%d %H:%M}Z"
