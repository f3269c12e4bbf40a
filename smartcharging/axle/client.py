"""One function per call to Axle's API, each named after what it does at Axle.

Every function raises AxleTransientError when a later retry can help (401 after a renewed token,
408, 429, 5xx, timeouts, no connection) and AxlePermanentError when it cannot (other 4xx, or an
answer not in the documented shape: AxleProtocolError). A naive datetime is refused with
ValueError before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from urllib.parse import quote
from uuid import UUID

from .fields import Fields
from .session import AxleResponse, Method, _request
from .types import (
    AssetPayload,
    ChargingBlock,
    ChargingBlockPayload,
    DispatchMethod,
    Eligibility,
    EnrolAnswer,
    EventStatus,
    InitialiseAnswer,
    IntentPayload,
    LegacyOnboardAnswer,
    OnboardAnswer,
    Proposition,
    ReadingPayload,
    ReadingsAnswer,
    RewardsInfo,
    RewardsTransactions,
    SitePayload,
    TariffPayload,
    UnenrolAnswer,
    VehiclePayload,
    WithdrawalUrl,
)

Id = UUID | str
AssetEvent = Literal[
    "tariff-update", "intent", "plug-in", "plug-out", "charge-now", "charge-now-deleted", "plug-in-schedule"
]


def _path(template: str, **ids: Id) -> str:
    # Ids come from our database, but a stray "/" or "?" must never change which endpoint is called.
    return template.format(**{name: quote(str(value), safe="") for name, value in ids.items()})


def _call(
    method: Method,
    path: str,
    *,
    json: object | None = None,
    params: dict[str, str] | None = None,
    gzip_body: bool = False,
) -> Fields:
    """The call, with its answer ready to be read strictly."""
    answer = _request(method, path, json=json, params=params, gzip_body=gzip_body)
    return Fields(answer.data, endpoint=f"{method} {path}")


def _event_path(asset_id: Id, event: AssetEvent) -> str:
    # Axle's asset events share one form: POST a JSON body to the event's own path.
    return _path("/entities/asset/{asset_id}/event/{event}", asset_id=asset_id, event=event)


# --- Sites ----------------------------------------------------------------------------------------


def onboard(
    *,
    site: SitePayload,
    assets: Sequence[AssetPayload],
    proposition: Proposition,
    override_withdrawal: bool = False,
) -> OnboardAnswer:
    """`POST /entities/site/onboard`: create or update the site and its assets and enrol it, at once.

    400 without meter consent, 409 if an asset belongs elsewhere, 422 if not eligible or the user
    withdrew earlier and `override_withdrawal` is false: all AxlePermanentError.
    """
    body = {
        "site": site,
        "assets": list(assets),
        "proposition": proposition,
        "override_withdrawal": override_withdrawal,
    }
    return OnboardAnswer.parse(_call("POST", "/entities/site/onboard", json=body))


def onboard_site_and_asset_legacy(
    *,
    site: SitePayload,
    asset: AssetPayload,
    dispatch_methods: Sequence[DispatchMethod] = ("limited_pause",),
) -> LegacyOnboardAnswer:
    """`POST /entities/site/onboard-site-and-asset` (deprecated by Axle; 409 if the site exists).

    How existing Flex Lite users were onboarded; new code uses `onboard`.
    """
    body = {"site": site, "asset": asset, "dispatch_consent": {"dispatch_methods": list(dispatch_methods)}}
    return LegacyOnboardAnswer.parse(_call("POST", "/entities/site/onboard-site-and-asset", json=body))


def initialise(*, site: SitePayload, assets: Sequence[AssetPayload]) -> InitialiseAnswer:
    """`POST /entities/site/initialise`: create or update the site and assets without enrolling them."""
    body = {"site": site, "assets": list(assets)}
    return InitialiseAnswer.parse(_call("POST", "/entities/site/initialise", json=body))


def enrol(
    *,
    site_id: Id,
    proposition: Proposition,
    override_withdrawal: bool = False,
    gave_boundary_meter_consent_at: datetime | None = None,
) -> EnrolAnswer:
    """`POST /entities/site/{site_id}/enrol`: "enrolled" or "already_enrolled", both success.

    422 (AxlePermanentError) if the user withdrew earlier and `override_withdrawal` is false.
    """
    body: dict[str, object] = {"proposition": proposition, "override_withdrawal": override_withdrawal}
    if gave_boundary_meter_consent_at is not None:
        body["gave_boundary_meter_consent_at"] = gave_boundary_meter_consent_at
    return EnrolAnswer.parse(_call("POST", _path("/entities/site/{site_id}/enrol", site_id=site_id), json=body))


def unenrol(*, site_id: Id, proposition: Proposition) -> UnenrolAnswer:
    """`POST /entities/site/{site_id}/unenrol`: leave one proposition, keep the site at Axle."""
    path = _path("/entities/site/{site_id}/unenrol", site_id=site_id)
    return UnenrolAnswer.parse(_call("POST", path, json={"proposition": proposition}))


def offboard(*, site_id: Id) -> None:
    """`POST /entities/site/{site_id}/offboard-site-and-assets`: delete the site and its assets at Axle.

    Its rewards can no longer be read afterwards: ask the user to withdraw their balance first.
    """
    _request("POST", _path("/entities/site/{site_id}/offboard-site-and-assets", site_id=site_id))


def eligibility(*, site_id: Id) -> Eligibility:
    """`GET /entities/site/{site_id}/eligibility`: which propositions the site and each asset can join."""
    return Eligibility.parse(_call("GET", _path("/entities/site/{site_id}/eligibility", site_id=site_id)))


# --- Asset events ---------------------------------------------------------------------------------


def tariff_update(*, asset_id: Id, tariff: TariffPayload) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/tariff-update`: at enrolment and whenever it changes."""
    return _request("POST", _event_path(asset_id, "tariff-update"), json={"tariff": tariff})


def intent(*, asset_id: Id, intent: IntentPayload) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/intent`: how much energy, by when, in which mode."""
    return _request("POST", _event_path(asset_id, "intent"), json={"intent": intent})


def plug_in(
    *,
    asset_id: Id,
    intent: IntentPayload | None = None,
    vehicle: VehiclePayload | None = None,
    tariff: TariffPayload | None = None,
) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/plug-in`: a car was plugged in; every part is optional."""
    parts = {"intent": intent, "vehicle": vehicle, "tariff": tariff}
    return _request(
        "POST",
        _event_path(asset_id, "plug-in"),
        json={name: part for name, part in parts.items() if part is not None},
    )


def plug_out(*, asset_id: Id) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/plug-out`: the car was unplugged."""
    return _request("POST", _event_path(asset_id, "plug-out"), json={})


def charge_now(*, asset_id: Id, end_at: datetime) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/charge-now`: the user's boost, at full power until `end_at`."""
    return _request("POST", _event_path(asset_id, "charge-now"), json={"end_at": end_at})


def charge_now_deleted(*, asset_id: Id) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/event/charge-now-deleted`: the user cancelled the boost."""
    return _request("POST", _event_path(asset_id, "charge-now-deleted"), json={})


def plug_in_schedule(*, asset_id: Id, charging_schedule: Sequence[ChargingBlockPayload]) -> tuple[ChargingBlock, ...]:
    """`POST /entities/asset/{asset_id}/event/plug-in-schedule` (Flex Lite): the blocks to apply.

    Sends the user's own charging blocks; Axle answers with them modified, usually by one 30-minute
    pause. 403 (AxlePermanentError) if the site lacks `limited_pause` consent.
    """
    body = {"charging_schedule": list(charging_schedule)}
    fields = _call("POST", _event_path(asset_id, "plug-in-schedule"), json=body)
    return tuple(ChargingBlock.parse(block) for block in fields.children("modified_charging_schedule"))


def schedule_callback(*, asset_id: Id, event_id: Id, status: EventStatus, timestamp: datetime) -> AxleResponse:
    """`POST /entities/asset/{asset_id}/callback/{event_id}`: what the charger did with Axle's schedule."""
    path = _path("/entities/asset/{asset_id}/callback/{event_id}", asset_id=asset_id, event_id=event_id)
    return _request("POST", path, json={"timestamp": timestamp, "status": status})


# --- Readings and rewards -------------------------------------------------------------------------


def send_readings(*, readings: Sequence[ReadingPayload], gzip_body: bool = False) -> ReadingsAnswer:
    """`POST /data/readings`: energy per half hour, many assets at once; a verdict for each reading.

    A 200 can still refuse some readings: see `ReadingsAnswer.refused`.
    """
    body = {"readings": list(readings)}
    return ReadingsAnswer.parse(_call("POST", "/data/readings", json=body, gzip_body=gzip_body))


def rewards_info(*, site_id: Id) -> RewardsInfo:
    """`GET /rewards/{site_id}/info`: the site's balance and earnings, in pence."""
    return RewardsInfo.parse(_call("GET", _path("/rewards/{site_id}/info", site_id=site_id)))


def rewards_transactions(*, site_id: Id) -> RewardsTransactions:
    """`GET /rewards/{site_id}/transactions`: earnings and withdrawals, in pence."""
    return RewardsTransactions.parse(_call("GET", _path("/rewards/{site_id}/transactions", site_id=site_id)))


def withdrawal_url(*, site_id: Id, redirect_uri: str) -> WithdrawalUrl:
    """`GET /rewards/{site_id}/url/balance`: a link, valid 60 minutes, where the user withdraws.

    Anyone holding the link can withdraw the balance: hand it to the user, never log or store it.
    """
    path = _path("/rewards/{site_id}/url/balance", site_id=site_id)
    return WithdrawalUrl.parse(_call("GET", path, params={"redirect_uri": redirect_uri}))
