"""Applying a stored schedule: translate it for its charger and queue it for the OCPP gateway.

The gateway sends it when the charger is connected, building the request at that moment (the
running transaction and the charger's reported configuration decide its final form), then reports
the charger's answer here: the schedule's state, Axle's acknowledgement and the check of what the
charger will really do (its composite schedule) follow from it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from chargers.models import ChargerCommand, ChargerState, CommandAction, CommandState, OcppTransaction
from chargers.services.commands import command_enqueue
from chargers.translation import ProfileRefused, Translation, translate_for_charger
from chargers.verification import composite_differences
from smartcharging.models import ChargingSchedule
from smartcharging.models.schedules import ApplyState, VerifyState
from smartcharging.selectors import charger_capabilities, stored_profile

from .apply_queue import apply_queue_kick, apply_queue_taken
from .schedules import schedule_acknowledge

logger = logging.getLogger(__name__)

# How far ahead the charger is asked for its composite schedule when verifying (OCPP needs a duration).
VERIFY_HORIZON_S = 24 * 3600


@transaction.atomic
def schedule_apply(*, schedule_id: int) -> ChargingSchedule | None:
    """Translate the schedule for its charger and queue it, once; a schedule already replaced is left alone."""
    schedule = _applying(ChargingSchedule.objects.filter(pk=schedule_id)).first()
    if schedule is None or schedule.apply_state != ApplyState.PENDING:
        return schedule
    _apply(schedule)
    return schedule


def schedules_apply_pending(*, limit: int = 1000) -> int:
    """Apply the current schedules waiting to be applied, oldest first (the queued task); how many.

    Several workers may run this at once: each takes the oldest schedule no other holds. More than
    `limit` waiting queues another run, so one task never holds a worker for a whole burst.
    """
    apply_queue_taken()
    taken = _apply_waiting(_pending(), limit=limit)
    if taken == limit:
        apply_queue_kick()
    return taken


def _apply_waiting(waiting: QuerySet[ChargingSchedule], *, limit: int) -> int:
    """Apply the oldest of `waiting`, one per transaction, skipping any another worker holds; how many.

    One task serves many schedules, so one that fails to apply (a bug, a row that cannot be read)
    must not hold up the rest: it is logged and stays waiting for the next run.
    """
    failed: list[int] = []
    for taken in range(limit):
        with transaction.atomic():
            schedule = _applying(waiting.exclude(pk__in=failed)).order_by("received_at").first()
            if schedule is None:
                return taken
            try:
                with transaction.atomic():
                    _apply(schedule)
            except Exception:
                logger.exception("Could not apply schedule %s; it waits for the next run", schedule.pk)
                failed.append(schedule.pk)
    return limit


def _applying(schedules: QuerySet[ChargingSchedule]) -> QuerySet[ChargingSchedule]:
    # A schedule another worker is applying (or a push is replacing) is theirs: skip it, not wait.
    return schedules.select_for_update(skip_locked=True, of=("self",)).select_related("asset")


def _apply(schedule: ChargingSchedule) -> None:
    if not schedule.is_current:
        schedule.apply_state = ApplyState.SUPERSEDED
        schedule.save(update_fields=["apply_state"])
        return
    try:
        translation = _translate(schedule, running=_running_transaction(schedule.asset_id))
    except ProfileRefused as refusal:
        schedule.apply_state = ApplyState.REFUSED
        schedule.apply_notes = str(refusal)
        schedule_acknowledge(schedule, status="REJECTED", at=timezone.now())
    else:
        schedule.apply_state = ApplyState.TRANSLATED
        schedule.charger_request = translation.request
        schedule.apply_notes = "\n".join(translation.notes)
        command_enqueue(
            asset=schedule.asset,
            action=CommandAction.SET_CHARGING_PROFILE,
            schedule_id=schedule.pk,
            replaces_pending=True,  # an older schedule not yet sent need not be
        )
    schedule.save(update_fields=["apply_state", "charger_request", "apply_notes"])


def schedule_request(command: ChargerCommand) -> list[dict[str, Any]]:
    """The OCPP requests that put the command's schedule on the charger now, in order.

    Built at sending time: the transaction running now makes it a TxProfile, and a TxDefaultProfile
    left from an earlier schedule is cleared first so it cannot come back at the next plug-in.
    Raises ProfileRefused if the charger (as it reported itself since) cannot follow it.
    """
    schedule = ChargingSchedule.objects.select_related("asset").get(commands=command)
    running = _running_transaction(schedule.asset_id)
    set_request = _still_valid(schedule, running=running) or _translate(schedule, running=running).request
    profile = cast(dict[str, Any], set_request["csChargingProfiles"])
    steps: list[dict[str, Any]] = [{"action": "SetChargingProfile", "request": set_request}]
    if profile["chargingProfilePurpose"] == "TxProfile":
        clear = {"connectorId": set_request["connectorId"], "chargingProfilePurpose": "TxDefaultProfile"}
        steps.insert(0, {"action": "ClearChargingProfile", "request": clear})
    return steps


@transaction.atomic
def schedule_charger_answered(command: ChargerCommand, *, now: datetime) -> None:
    """The charger's answer to a schedule: its state, Axle's acknowledgement, then verification."""
    schedule = ChargingSchedule.objects.select_for_update().get(commands=command)
    if command.action == CommandAction.GET_COMPOSITE_SCHEDULE:
        _verify(schedule, command)
        return
    if command.state == CommandState.ACCEPTED:
        schedule.apply_state, schedule.applied_at = ApplyState.APPLIED, now
        schedule.charger_request = command.request
        schedule_acknowledge(schedule, status="ACCEPTED", at=now)
        unit = (command.request or {}).get("csChargingProfiles", {}).get("chargingSchedule", {}).get("chargingRateUnit")
        command_enqueue(
            asset=schedule.asset,
            action=CommandAction.GET_COMPOSITE_SCHEDULE,
            payload={"connectorId": 1, "duration": VERIFY_HORIZON_S, "chargingRateUnit": unit or "W"},
            schedule_id=schedule.pk,
        )
    elif command.state in (CommandState.REJECTED, CommandState.NOT_SUPPORTED):
        schedule.apply_state = ApplyState.CHARGER_REJECTED
        schedule.apply_notes = _append(schedule.apply_notes, f"The charger answered {command.response}.")
        schedule_acknowledge(schedule, status="REJECTED", at=now)
    elif command.state in (CommandState.TIMED_OUT, CommandState.FAILED):
        schedule.apply_state = ApplyState.FAILED
        schedule.apply_notes = _append(schedule.apply_notes, command.error)
        schedule_acknowledge(schedule, status="FAILED", at=now)
    schedule.save(update_fields=["apply_state", "applied_at", "charger_request", "apply_notes"])


def schedules_sweep(*, now: datetime, grace: timedelta = timedelta(minutes=1)) -> int:
    """Apply current schedules still pending after `grace` (their queued task was lost)."""
    return _apply_waiting(_pending().filter(received_at__lte=now - grace), limit=10_000)


def _pending() -> QuerySet[ChargingSchedule]:
    return ChargingSchedule.objects.filter(is_current=True, apply_state=ApplyState.PENDING)


def _running_transaction(asset_id: int) -> int | None:
    return (
        OcppTransaction.objects.filter(asset_id=asset_id, stopped_at__isnull=True).values_list("pk", flat=True).first()
    )


def _translate(schedule: ChargingSchedule, *, running: int | None) -> Translation:
    return translate_for_charger(
        stored_profile(schedule),
        charger=charger_capabilities(schedule.asset),
        profile_id=schedule.pk,
        transaction_id=running,
    )


def _still_valid(schedule: ChargingSchedule, *, running: int | None) -> dict[str, object] | None:
    """The request translated when the schedule was applied, if nothing it depends on has changed since.

    Translating again costs a schema validation; in a burst of re-plans that is the gateway's time. It
    depends on the running transaction, and on the charger's configuration, read at its boot.
    """
    request = schedule.charger_request
    if not request:
        return None
    config_read_at = (
        ChargerState.objects.filter(asset_id=schedule.asset_id).values_list("config_read_at", flat=True).first()
    )
    if config_read_at is None or config_read_at > schedule.received_at:
        return None
    sent_for = request.get("csChargingProfiles", {}).get("transactionId")
    return cast(dict[str, object], request) if sent_for == running else None


def _verify(schedule: ChargingSchedule, command: ChargerCommand) -> None:
    response: Mapping[str, Any] = command.response or {}
    if command.state != CommandState.ACCEPTED or "chargingSchedule" not in response:
        schedule.verify_state = VerifyState.UNAVAILABLE
        schedule.verify_notes = f"The charger gave no composite schedule ({command.error or response})."
    else:
        sent = (schedule.charger_request or {}).get("csChargingProfiles", {})
        differences = composite_differences(sent=sent, composite=response, asked_at=command.sent_at)
        schedule.verify_state = VerifyState.MISMATCH if differences else VerifyState.MATCHED
        schedule.verify_notes = "\n".join(differences) or "The charger will follow the schedule as sent."
    schedule.save(update_fields=["verify_state", "verify_notes"])


def _append(notes: str, line: str) -> str:
    return f"{notes}\n{line}".strip()
