"""Moving sites between Axle's products in bulk, and the audit trail of who changed what.

A migration run is prepared (every selected site checked and planned or skipped, with the reason),
confirmed by an admin, then run in the background in batches. Each site's part is an item whose
steps are outbox events (the same ones a single enrolment writes), so Axle's answer to each step is
the event's own record. A site can be in at most one active item at a time, enforced by the
database, so two overlapping migrations of the same site cannot both run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class MigrationDirection(models.TextChoices):
    TO_SMART_CHARGING = "to_smart_charging", "Flex Lite to Smart Charging"
    TO_FLEX_LITE = "to_flex_lite", "Smart Charging back to Flex Lite (rollback)"


class RunState(models.TextChoices):
    DRAFT = "draft", "Prepared, waiting for confirmation"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class MigrationRun(models.Model):
    """One admin's migration (or rollback) of a set of sites."""

    direction = models.CharField(max_length=20, choices=MigrationDirection.choices)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.DRAFT)
    dry_run = models.BooleanField(
        default=False, help_text="Go through every site and record what would be sent, sending nothing."
    )
    override_withdrawal = models.BooleanField(
        default=False, help_text="Re-enrol users who withdrew from Smart Charging earlier (Axle's override_withdrawal)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the next batch is due; a run whose batch is long overdue lost its task and is resumed.
    next_batch_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("migrate_sites", "Can migrate sites between Flex Lite and Smart Charging, and roll back")]

    def __str__(self) -> str:
        dry = " (dry run)" if self.dry_run else ""
        return f"Migration #{self.pk}: {self.get_direction_display()}{dry}"


class ItemState(models.TextChoices):
    PLANNED = "planned", "Will be migrated"
    SKIPPED = "skipped", "Skipped"
    QUEUED = "queued", "Waiting for its batch"
    SENDING = "sending", "Sent to Axle, waiting for answers"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# The states in which an item holds its site: no other migration may touch the site meanwhile.
ACTIVE_ITEM_STATES = (ItemState.QUEUED, ItemState.SENDING)


class MigrationItem(models.Model):
    """One site's part in a migration run: planned or skipped (and why), then its steps and outcome."""

    run = models.ForeignKey(MigrationRun, on_delete=models.CASCADE, related_name="items")
    site = models.ForeignKey("chargers.Site", on_delete=models.CASCADE, related_name="migration_items")
    state = models.CharField(max_length=10, choices=ItemState.choices)
    reason = models.TextField(blank=True, help_text="Why it was skipped, or Axle's answer when it failed.")
    steps = models.JSONField(
        default=list, blank=True, help_text='What was (or, in a dry run, would be) sent: [{"step", "detail"}].'
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "site"], name="migrationitem_once_per_run"),
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(state__in=[s.value for s in ACTIVE_ITEM_STATES]),
                name="migrationitem_one_active_per_site",
            ),
        ]
        indexes = [models.Index(fields=["run", "state", "id"], name="migrationitem_run_state")]

    def __str__(self) -> str:
        return f"{self.site_id} in run {self.run_id}: {self.get_state_display()}"


class AuditAction(models.TextChoices):
    MIGRATION_PREPARED = "migration_prepared", "Migration prepared"
    MIGRATION_STARTED = "migration_started", "Migration started"
    MIGRATION_CANCELLED = "migration_cancelled", "Migration cancelled"
    MIGRATION_RETRIED = "migration_retried", "Failed sites retried"
    SITE_MIGRATING = "site_migrating", "Site's migration sent to Axle"
    SITE_MIGRATED = "site_migrated", "Site migrated"
    SITE_MIGRATION_FAILED = "site_migration_failed", "Site's migration failed"
    SITE_SKIPPED = "site_skipped", "Site skipped"
    ELIGIBILITY_CHECKED = "eligibility_checked", "Eligibility checked with Axle"
    TARIFF_CHANGED = "tariff_changed", "Tariff changed"
    INTENT_CHANGED = "intent_changed", "Intent changed"
    ONBOARDING_REQUESTED = "onboarding_requested", "Onboarding with Axle requested"
    ONBOARDING_REFUSED = "onboarding_refused", "Onboarding refused (not eligible)"
    JOINED = "joined", "Joined (consent given, enrolment sent)"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    STOPPED = "stopped", "Smart charging stopped"
    RESTARTED = "restarted", "Smart charging started again"
    MOVED_OUT = "moved_out", "Moved out (site offboarded)"
    CHARGER_ADDED = "charger_added", "Charger added"
    CHARGER_REPLACED = "charger_replaced", "Charger replaced"
    RECORD_CORRECTED = "record_corrected", "Consent time or Axle's ids corrected by an operator"


class AuditEntry(models.Model):
    """Who did what to which site, when, with what outcome; written by the services, never edited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="The actor as they were then (email).")
    site = models.ForeignKey(
        "chargers.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    run = models.ForeignKey(MigrationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit")
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["site", "-at"], name="audit_site_history")]
        verbose_name_plural = "audit entries"
        permissions = [
            (
                "correct_site_record",
                "Can correct a site's meter-consent time and Axle's ids (with a reason, audited)",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label or 'the platform'} at {self.at:%Y-%m-%d %H:%M}Z"


class SiteEligibility(models.Model):
    """Axle's last word on which propositions a site may join (GET /entities/site/{id}/eligibility)."""

    site = models.OneToOneField("chargers.Site", on_delete=models.CASCADE, related_name="eligibility")
    smart_charging = models.BooleanField("eligible for Smart Charging", default=False)
    flex_lite = models.BooleanField("eligible for Flex Lite", default=False)
    issues = models.TextField(blank=True, help_text="Axle's reasons, or why Axle could not be asked.")
    raw = models.JSONField(null=True, blank=True, help_text="Axle's answer as received.")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "site eligibility"

    def __str__(self) -> str:
        return f"{self.site_id}: {'eligible' if self.smart_charging else 'not eligible'} for Smart Charging"
