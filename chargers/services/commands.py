"""Commands to chargers are rows: queued here, sent by whichever gateway holds the charger's socket.

A command stays PENDING until a gateway claims it (one conditional UPDATE, so two gateways never
send the same one), SENT until the charger answers, and goes back to PENDING if the socket drops
before the answer: it is sent again when the charger reconnects, to this gateway or another.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, F, When

from chargers.models import Asset, ChargerCommand, CommandAction, CommandState

# The charger's own words for each outcome (OCPP 1.6 status enumerations), mapped to ours.
_ANSWERS = {
    "Accepted": CommandState.ACCEPTED,
    "Rejected": CommandState.REJECTED,
    "NotSupported": CommandState.NOT_SUPPORTED,
    # ClearChargingProfile answers Unknown when there was nothing to clear: the wanted state holds.
    "Unknown": CommandState.ACCEPTED,
}
FINAL_STATES = (
    CommandState.ACCEPTED,
    CommandState.REJECTED,
    CommandState.NOT_SUPPORTED,
    CommandState.TIMED_OUT,
    CommandState.FAILED,
    CommandState.CANCELLED,
)


def command_enqueue(
    *,
    asset: Asset,
    action: CommandAction,
    payload: Mapping[str, Any] | None = None,
    schedule_id: int | None = None,
    replaces_pending: bool = False,
) -> ChargerCommand:
    """Queue a command; with `replaces_pending`, older unsent commands of the same action are cancelled.

    A newer schedule makes an unsent older one pointless: the charger would only be told twice.
    """
    # savepoint=False: called inside a report's or a schedule's transaction, a savepoint would cost two
    # more round trips and buy nothing (nothing here is caught and recovered from).
    with transaction.atomic(savepoint=False):
        if replaces_pending:
            ChargerCommand.objects.filter(asset=asset, action=action, state=CommandState.PENDING).update(
                state=CommandState.CANCELLED, error="Replaced by a newer command before it was sent."
            )
        return ChargerCommand.objects.create(
            asset=asset, action=action, payload=dict(payload or {}), schedule_id=schedule_id
        )


def commands_due(*, gateway_id: str, busy_asset_ids: Collection[int] = (), limit: int = 100) -> list[ChargerCommand]:
    """Pending commands for chargers connected to this gateway and not busy with another, oldest first.

    Checking a schedule (GetCompositeSchedule) waits behind commands that change what a charger does:
    in a burst of new schedules, every charger gets its new profile before any is verified.
    """
    due = ChargerCommand.objects.filter(
        state=CommandState.PENDING, asset__state__gateway_id=gateway_id, asset__state__connected=True
    ).exclude(asset_id__in=busy_asset_ids)
    verification_last = Case(When(action=CommandAction.GET_COMPOSITE_SCHEDULE, then=1), default=0)
    # Only what sending needs: this runs several times a second.
    fields = ("id", "asset_id", "action", "payload", "schedule_id", "state", "attempts", "asset__ocpp_charge_point_id")
    ordered = due.select_related("asset").only(*fields).order_by(verification_last, "created_at", "id")
    return list(ordered[:limit])


def command_claim(command: ChargerCommand, *, gateway_id: str, now: datetime) -> bool:
    """Take a pending command for sending; False if another gateway (or a cancellation) got there first."""
    claimed = ChargerCommand.objects.filter(pk=command.pk, state=CommandState.PENDING).update(
        state=CommandState.SENT, gateway_id=gateway_id, sent_at=now, attempts=F("attempts") + 1
    )
    if claimed:
        command.state, command.gateway_id, command.sent_at = CommandState.SENT, gateway_id, now
        command.attempts += 1
    return bool(claimed)


def command_sent(command: ChargerCommand, *, request: Mapping[str, Any]) -> None:
    """Keep exactly what went to the charger (a schedule's request is only built when it is sent)."""
    command.request = dict(request)
    command.save(update_fields=["request"])


def command_answered(command: ChargerCommand, *, response: Mapping[str, Any], now: datetime) -> CommandState:
    """Record the charger's answer; its `status` decides the outcome (no status: accepted, e.g. GetConfiguration)."""
    status = response.get("status")
    state = _ANSWERS.get(status, CommandState.REJECTED) if isinstance(status, str) else CommandState.ACCEPTED
    _finish(command, state=state, now=now, response=dict(response))
    return state


def command_unanswered(command: ChargerCommand, *, now: datetime, error: str) -> None:
    """The charger did not answer in time, or answered with an OCPP CallError: final, with the reason."""
    state = CommandState.TIMED_OUT if error.startswith("No answer") else CommandState.FAILED
    _finish(command, state=state, now=now, error=error)


def command_unsent(command: ChargerCommand, *, error: str) -> None:
    """The socket dropped before the answer: send it again when the charger is back."""
    ChargerCommand.objects.filter(pk=command.pk, state=CommandState.SENT).update(
        state=CommandState.PENDING, error=error
    )
    command.state = CommandState.PENDING


def commands_resend_after_reconnect(asset: Asset) -> int:
    """Commands left SENT by a socket (or a gateway) that is gone go back to PENDING."""
    return ChargerCommand.objects.filter(asset=asset, state=CommandState.SENT).update(
        state=CommandState.PENDING, error="The charger reconnected before answering; sent again."
    )


def _finish(
    command: ChargerCommand,
    *,
    state: CommandState,
    now: datetime,
    response: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    command.state, command.answered_at, command.response, command.error = state, now, response, error
    command.save(update_fields=["state", "answered_at", "response", "error"])
