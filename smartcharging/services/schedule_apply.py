"""Applying a stored schedule: translate it for its charger, keep what the charger will be sent.

Sending it over OCPP is the charger gateway's job; this records the SetChargingProfile request
and what translation changed (or why the charger cannot follow the schedule), for admins and pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from chargers.translation import ProfileRefused, translate_for_charger
from smartcharging.models import ChargingSchedule
from smartcharging.models.schedules import ApplyState
from smartcharging.selectors import charger_capabilities, stored_profile

from .schedules import schedule_acknowledge


@transaction.atomic
def schedule_apply(*, schedule_id: int) -> ChargingSchedule | None:
    """Translate the schedule for its charger, once; a schedule already replaced is left alone."""
    schedule = ChargingSchedule.objects.select_for_update().select_related("asset").filter(pk=schedule_id).first()
    if schedule is None or schedule.apply_state != ApplyState.PENDING:
        return schedule
    if not schedule.is_current:
        schedule.apply_state = ApplyState.SUPERSEDED
        schedule.save(update_fields=["apply_state"])
        return schedule
    try:
        translation = translate_for_charger(
            stored_profile(schedule),
            charger=charger_capabilities(schedule.asset),
            profile_id=schedule.pk,
            transaction_id=None,  # the gateway supplies the running transaction when it sends it
        )
    except ProfileRefused as refusal:
        schedule.apply_state = ApplyState.REFUSED
        schedule.apply_notes = str(refusal)
        schedule_acknowledge(schedule, status="REJECTED", at=timezone.now())
    else:
        schedule.apply_state = ApplyState.TRANSLATED
        schedule.charger_request = translation.request
        schedule.apply_notes = "\n".join(translation.notes)
    schedule.save(update_fields=["apply_state", "charger_request", "apply_notes"])
    return schedule


def schedules_sweep(*, now: datetime, grace: timedelta = timedelta(minutes=1)) -> int:
    """Apply current schedules still pending after `grace` (their queued task was lost)."""
    pending = ChargingSchedule.objects.filter(
        is_current=True, apply_state=ApplyState.PENDING, received_at__lte=now - grace
    ).values_list("pk", flat=True)
    count = 0
    for schedule_id in list(pending[:10_000]):
        schedule_apply(schedule_id=schedule_id)
        count += 1
    return count
