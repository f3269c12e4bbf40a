"""The OpenAPI description of Axle's endpoints: every accepted body and every answer, with examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

AXLE_EXAMPLE_PROFILE: dict[str, Any] = {
    "chargingProfileId": None,
    "transactionId": None,
    "stackLevel": 1100,
    "chargingProfilePurpose": "TxProfile",
    "chargingProfileKind": "Absolute",
    "recurrencyKind": None,
    "validFrom": None,
    "validTo": None,
    "chargingSchedule": {
        "duration": 32400,
        "startSchedule": "2026-04-14T22:00:00+00:00",
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 0.0, "numberPhases": 1},
            {"startPeriod": 5400, "limit": 99999.0, "numberPhases": 1},
            {"startPeriod": 27000, "limit": 0.0, "numberPhases": 1},
        ],
        "minChargingRate": 0.0,
    },
}
AXLE_EXAMPLE_WRAPPER = {"connectorId": 1, "csChargingProfiles": AXLE_EXAMPLE_PROFILE}
AXLE_EXAMPLE_ENVELOPE = {
    "id": "5d9a4a8e-2c0f-4a57-9f53-0d3f7c1b6a10",
    "event_type": "asset.schedule.updated",
    "created_at": "2026-04-14T21:59:58+00:00",
    "payload": AXLE_EXAMPLE_PROFILE,
}


def _detail(name: str, detail: str, *others: tuple[str, str], description: str = "") -> OpenApiResponse:
    """A `{"detail": ...}` answer with its example (and more examples as (name, detail) pairs)."""
    return OpenApiResponse(
        response=inline_serializer(name, {"detail": serializers.CharField()}),
        description=description,
        examples=[OpenApiExample(label, value={"detail": text}) for label, text in ((name, detail), *others)],
    )


def _forbidden(name: str) -> OpenApiResponse:
    return _detail(
        name,
        "This token belongs to an OAuth2 client that is not Axle's; only Axle's client may use this API. "
        "Ask the platform's operators for Axle's client credentials.",
        (f"{name}Scope", "You do not have permission to perform this action."),
        description=(
            "The token is not one of Axle's client (whatever its scope), or lacks schedules:write. Tokens come "
            "from POST /oauth/token/ with grant_type=client_credentials and Axle's client id and secret; "
            "schedules:write is Axle's client's default scope, and no other client can be granted it."
        ),
    )


_ACCEPTED = OpenApiResponse(
    response=inline_serializer(
        "ScheduleAccepted",
        {
            "schedule_id": serializers.IntegerField(),
            "asset_id": serializers.CharField(),
            "status": serializers.CharField(),
            "received_at": serializers.DateTimeField(),
        },
    ),
    description=(
        "Stored (or already stored: a repeat gets the same answer); applied to the charger next. A copy of a "
        "signed request already received (the same x-axle-sig) gets the first copy's answer and changes nothing."
    ),
    examples=[
        OpenApiExample(
            "Accepted",
            value={
                "schedule_id": 4811,
                "asset_id": "b2c3d4e5-f6a7-8901-bcde-f23456789012",
                "status": "accepted",
                "received_at": "2026-04-14T21:59:58.412Z",
            },
        )
    ],
)

CHARGING_PROFILE: dict[str, Any] = {
    "operation_id": "push_charging_profile",
    "summary": "Push a new charging schedule for a charger",
    "description": (
        "Axle's new schedule for one charger, as an OCPP 1.6 ChargingProfile: bare, in the "
        "SetChargingProfile wrapper, or in Axle's webhook envelope. It fully replaces the charger's "
        "previous schedule. Nulls, stack level 1100 and the 99999 W 'no limit' are accepted as Axle "
        "sends them; the platform translates the profile for each charger.\n\n"
        "Signed pushes (when the platform has a shared secret with Axle): each signed request is received "
        "once. Any later copy of it (the same x-axle-sig, within its five minutes) gets the first copy's "
        "answer, 202 with the same schedule id or the same refusal, and changes nothing, so a copy of an "
        "older push can never undo a newer plan, while Axle's own retry of a timed-out request is still "
        "answered 202. A copy arriving while the first is still being received gets 503 with Retry-After; "
        "if the first ends in a server error, a retry is received afresh. A new push needs a new signature.\n\n"
        "A JSON object naming the same key twice is refused with 400, naming the key, before anything is "
        "stored: readers differ on which of the two counts."
    ),
    "parameters": [
        OpenApiParameter(
            "asset_id_is_external",
            bool,
            description="true: {asset_id} is the platform's own external id for the charger.",
        ),
        OpenApiParameter(
            "x-axle-sig",
            str,
            location=OpenApiParameter.HEADER,
            description=(
                't=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}" with the shared secret>. Required '
                "when the platform has a shared secret (401 otherwise); t must be within 5 minutes of our clock."
            ),
        ),
    ],
    "request": {"application/json": {"type": "object"}},
    "examples": [
        OpenApiExample("Bare ChargingProfile (Axle's documented example)", value=AXLE_EXAMPLE_PROFILE),
        OpenApiExample("SetChargingProfile wrapper", value=AXLE_EXAMPLE_WRAPPER),
        OpenApiExample("Webhook envelope", value=AXLE_EXAMPLE_ENVELOPE),
    ],
    "responses": {
        202: _ACCEPTED,
        400: OpenApiResponse(
            response=inline_serializer("ScheduleInvalid", {"field": serializers.ListField()}),
            description="Every wrong field, where it sits in the body; or JSON that cannot be read as one meaning.",
            examples=[
                OpenApiExample(
                    "A key named twice",
                    value={
                        "detail": "JSON parse error - the key 'stackLevel' appears more than once in one object; "
                        "send each key once."
                    },
                ),
                OpenApiExample(
                    "Invalid periods",
                    value={
                        "chargingSchedule": {
                            "chargingSchedulePeriod": [
                                "startPeriod must rise from one period to the next; period 2 starts at 5400, "
                                "not after 5400."
                            ]
                        }
                    },
                ),
            ],
        ),
        401: _detail("Unauthenticated", "Authentication credentials were not provided."),
        403: _forbidden("NotAxles"),
        404: _detail("UnknownAsset", "No charger has Axle's asset_id 'b2c3d4e5-...'."),
        409: _detail(
            "NotEnrolled",
            "Charger 'b2c3...' is not enrolled in full_asset_schedule_control, so it takes no schedules.",
        ),
        413: _detail("TooLarge", "The body is 300000 bytes; the limit is 262144 bytes."),
        415: _detail("NotJson", 'Unsupported media type "text/plain" in request.'),
        503: _detail(
            "StillReceiving",
            "The same signed request is being received right now; retry in 5 seconds for its answer.",
            ("OverRate", "More pushes than this client's rate allows; nothing was stored. Retry after 2 s."),
            description=(
                "Nothing was stored; retry after Retry-After seconds. Either another copy of this signed request "
                "is being received, or the client is over its rate of pushes (never a 429: a 4xx is not retried)."
            ),
        ),
    },
}

PING: dict[str, Any] = {
    "operation_id": "ping",
    "summary": "Check Axle's token and scope",
    "description": ("200 for a token of Axle's client with schedules:write; otherwise the answer a push would get."),
    "responses": {
        200: OpenApiResponse(
            response=inline_serializer("Pong", {"ok": serializers.BooleanField(), "client": serializers.CharField()}),
            examples=[OpenApiExample("Pong", value={"ok": True, "client": "Axle Energy"})],
        ),
        401: _detail("PingUnauthenticated", "Authentication credentials were not provided."),
        403: _forbidden("PingNotAxles"),
    },
}
