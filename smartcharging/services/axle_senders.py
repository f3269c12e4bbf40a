"""How each kind of outbox event is sent to Axle, and what its answer changes here.

One entry per kind: a function that makes the call from the stored payload and returns what to
record. Ids are read from the site and charger loaded with the event when it was claimed; an answer
that changes them (onboarding) ends the run, so the events after it are claimed afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.utils import timezone

from chargers.models import Asset, Site
from smartcharging.axle import client
from smartcharging.axle.errors import AxleError, AxlePermanentError, AxleProtocolError
from smartcharging.axle.payloads import to_json
from smartcharging.models import AxleEvent, Enrolment, EnrolmentStatus, EventKind, EventState

from .flex_lite import flex_lite_answer_read, flex_lite_schedule_store
from .onboarding import changes_at_axle, site_initialised


@dataclass
class Sent:
    status_code: int | None
    response: Any = None
    after: Callable[[], None] | None = None  # runs in the transaction that marks the event delivered
    note: str = ""  # what the platform made of the answer, recorded with the attempt


class NotOnboarded(AxlePermanentError):
    """The event needs an Axle id the site or charger does not have (its onboarding failed)."""


def _asset(event: AxleEvent) -> Asset:
    # The claim loaded the charger with the event; a run ends after any answer that changes ids.
    if event.asset is None:
        raise AxlePermanentError(f"{event} names no charger, but Axle's call is per charger.")
    return event.asset


def _asset_id(event: AxleEvent) -> str:
    asset = _asset(event)
    if asset.axle_asset_id is None:
        raise NotOnboarded(
            f"Charger {asset.ocpp_charge_point_id} has no Axle asset id: onboard its site with Axle first."
        )
    return str(asset.axle_asset_id)


def _site_id(event: AxleEvent) -> str:
    if event.site.axle_site_id is None:
        raise NotOnboarded(f"Site {event.site} has no Axle site id: onboard it with Axle first.")
    return str(event.site.axle_site_id)


def _payload(event: AxleEvent) -> Any:
    # Stored as the JSON Axle receives; the client encodes it unchanged.
    return cast(Any, event.payload)


def _send_tariff(event: AxleEvent) -> Sent:
    answer = client.tariff_update(asset_id=_asset_id(event), tariff=_payload(event)["tariff"])
    return Sent(answer.status_code, answer.data)


def _send_intent(event: AxleEvent) -> Sent:
    answer = client.intent(asset_id=_asset_id(event), intent=_payload(event)["intent"])
    return Sent(answer.status_code, answer.data)


def _send_plug_in(event: AxleEvent) -> Sent:
    answer = client.plug_in(asset_id=_asset_id(event), **_payload(event))
    return Sent(answer.status_code, answer.data)


def _send_plug_out(event: AxleEvent) -> Sent:
    answer = client.plug_out(asset_id=_asset_id(event))
    return Sent(answer.status_code, answer.data)


def _send_charge_now(event: AxleEvent) -> Sent:
    answer = client.charge_now(asset_id=_asset_id(event), end_at=_payload(event)["end_at"])
    return Sent(answer.status_code, answer.data)


def _send_charge_now_deleted(event: AxleEvent) -> Sent:
    answer = client.charge_now_deleted(asset_id=_asset_id(event))
    return Sent(answer.status_code, answer.data)


def _send_plug_in_schedule(event: AxleEvent) -> Sent:
    asset_id, asset = _asset_id(event), _asset(event)
    blocks = client.plug_in_schedule(asset_id=asset_id, charging_schedule=_payload(event)["charging_schedule"])
    stretches = [(block.start, block.end) for block in blocks]
    answer = to_json({"modified_charging_schedule": [{"start_timestamp": a, "end_timestamp": b} for a, b in stretches]})
    try:
        read = flex_lite_answer_read(asset=asset, blocks=stretches)
    except ValueError as refused:
        # Answered 200 but unusable: sending the same plug-in again cannot make Axle's blocks valid.
        message = f"Axle's Flex Lite blocks refused: {refused}"
        raise AxleProtocolError(message, status_code=200, body=answer) from refused
    profile = read.profile
    if profile is None:
        return Sent(200, answer, note=read.note)

    def store() -> None:
        flex_lite_schedule_store(asset=asset, profile=profile, answer=answer)

    return Sent(200, answer, after=store, note=read.note)


def _send_schedule_callback(event: AxleEvent) -> Sent:
    payload = _payload(event)
    answer = client.schedule_callback(
        asset_id=_asset_id(event),
        event_id=payload["event_id"],
        status=payload["status"],
        timestamp=payload["timestamp"],
    )
    return Sent(answer.status_code, answer.data)


def _enrolment(event: AxleEvent) -> Enrolment:
    payload = _payload(event)
    # An initialise names the proposition it leads to under "then_enrol".
    proposition = payload["proposition"] if "proposition" in payload else payload["then_enrol"]["proposition"]
    return Enrolment.objects.get(site_id=event.site_id, proposition=proposition)


def _send_onboard(event: AxleEvent) -> Sent:
    answer = client.onboard(**_payload(event))

    def store_ids() -> None:
        Site.objects.filter(pk=event.site_id).update(axle_site_id=answer.site.site_id)
        for external_id, asset_id in answer.asset_ids.items():
            Asset.objects.filter(site_id=event.site_id, external_id=external_id).update(axle_asset_id=asset_id)
        _mark_enrolment(event, EnrolmentStatus.ENROLLED, 200, dict(answer.raw))

    return Sent(200, dict(answer.raw), after=store_ids, note=changes_at_axle(dict(answer.raw)))


def _send_initialise(event: AxleEvent) -> Sent:
    payload = _payload(event)
    answer = client.initialise(site=payload["site"], assets=payload["assets"])

    def enrol_if_eligible() -> None:
        site_initialised(site_id=event.site_id, answer=answer, then_enrol=payload["then_enrol"])

    return Sent(200, dict(answer.raw), after=enrol_if_eligible, note=changes_at_axle(dict(answer.raw)))


def _send_offboard(event: AxleEvent) -> Sent:
    client.offboard(site_id=_site_id(event))

    def forget_axle_ids() -> None:
        # Axle deleted the site and its chargers: a new household there starts afresh.
        Site.objects.filter(pk=event.site_id).update(axle_site_id=None)
        Asset.objects.filter(site_id=event.site_id).update(axle_asset_id=None)
        Enrolment.objects.filter(site_id=event.site_id).update(
            status=EnrolmentStatus.UNENROLLED, unenrolled_at=timezone.now()
        )

    return Sent(200, None, after=forget_axle_ids)


def _send_enrol(event: AxleEvent) -> Sent:
    payload = _payload(event)
    answer = client.enrol(
        site_id=_site_id(event),
        proposition=payload["proposition"],
        override_withdrawal=payload.get("override_withdrawal", False),
    )
    raw = dict(answer.raw)
    return Sent(200, raw, after=lambda: _mark_enrolment(event, EnrolmentStatus.ENROLLED, 200, raw))


def _send_unenrol(event: AxleEvent) -> Sent:
    answer = client.unenrol(site_id=_site_id(event), proposition=_payload(event)["proposition"])
    raw = dict(answer.raw)
    return Sent(200, raw, after=lambda: _mark_enrolment(event, EnrolmentStatus.UNENROLLED, 200, raw))


def _mark_enrolment(event: AxleEvent, status: EnrolmentStatus, code: int | None, body: object) -> None:
    enrolment = _enrolment(event)
    enrolment.status = status
    enrolment.axle_status_code = code
    enrolment.axle_response = body
    now = timezone.now()
    if status == EnrolmentStatus.ENROLLED:
        enrolment.enrolled_at = now
    elif status == EnrolmentStatus.UNENROLLED:
        enrolment.unenrolled_at = now
    enrolment.save()


def on_permanent_failure(event: AxleEvent, error: AxleError) -> None:
    """Axle refused an event for good: an enrolment says so, with Axle's answer; a migration stops.

    A refused step of a site's migration withdraws its later steps (a plug-in for a site Axle would
    not enrol means nothing); the migration item then shows this answer, and can be retried.
    """
    if event.kind in (EventKind.ONBOARD, EventKind.ENROL, EventKind.UNENROL, EventKind.INITIALISE):
        # A refused initialise (409: a charger registered elsewhere; 400: no consent) ends the
        # enrolment it led to, or it would wait for ever and block the homeowner's next try.
        _mark_enrolment(event, EnrolmentStatus.FAILED, error.status_code, error.body or error.message)
    if event.migration_item_id is not None:
        AxleEvent.objects.filter(
            migration_item_id=event.migration_item_id, state=EventState.PENDING, pk__gt=event.pk
        ).update(state=EventState.SUPERSEDED, last_error="Not sent: an earlier step of this migration was refused.")


SENDERS: dict[str, Callable[[AxleEvent], Sent]] = {
    EventKind.ONBOARD: _send_onboard,
    EventKind.ENROL: _send_enrol,
    EventKind.UNENROL: _send_unenrol,
    EventKind.TARIFF: _send_tariff,
    EventKind.INTENT: _send_intent,
    EventKind.PLUG_IN: _send_plug_in,
    EventKind.PLUG_OUT: _send_plug_out,
    EventKind.CHARGE_NOW: _send_charge_now,
    EventKind.CHARGE_NOW_DELETED: _send_charge_now_deleted,
    EventKind.SCHEDULE_CALLBACK: _send_schedule_callback,
    EventKind.PLUG_IN_SCHEDULE: _send_plug_in_schedule,
    EventKind.INITIALISE: _send_initialise,
    EventKind.OFFBOARD: _send_offboard,
}
