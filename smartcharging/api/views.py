"""The endpoints Axle calls. Thin: authenticate, read the body, hand it to the schedules service."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from smartcharging.models import ScheduleShape
from smartcharging.services.schedules import (
    ChargerLookup,
    ChargerNotEnrolled,
    Envelope,
    UnknownCharger,
    schedule_receive,
)

from . import docs
from .errors import AssetNotEnrolled, AssetNotFound, ComeBackLater, PayloadTooLarge
from .parsers import UniqueKeysJSONParser
from .replay import AnswersCopiesAlike
from .security import HasSchedulesScope, IsAxlesClient, PerClientThrottle, verify_signature
from .serializers import ChargingProfileSerializer, EnvelopeSerializer, WrapperSerializer, to_profile


class AxleAPIView(APIView):
    """Only a token of Axle's OAuth2 client, with the schedules scope, and at most its rate of requests."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [IsAxlesClient, HasSchedulesScope]
    throttle_classes = [PerClientThrottle]
    parser_classes = [UniqueKeysJSONParser]

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise ComeBackLater(wait)


class ScheduleAccepted(serializers.Serializer[dict[str, Any]]):
    schedule_id = serializers.IntegerField()
    asset_id = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()


def _read_shape(body: Any, *, prefix: str = "") -> tuple[ScheduleShape, Any, Envelope | None, str]:
    """Which of Axle's three shapes this is: (shape, profile JSON, envelope, where the profile sits)."""
    if not isinstance(body, dict):
        raise ValidationError(_nest(prefix, {"non_field_errors": ["Expected a JSON object."]}))
    if "payload" in body and "id" in body and not prefix:
        outer = EnvelopeSerializer(data=body)
        if not outer.is_valid():
            raise ValidationError(outer.errors)
        meta = outer.validated_data
        envelope = Envelope(id=meta["id"], event_type=meta.get("event_type", ""), created_at=meta.get("created_at"))
        _, profile_json, _, where = _read_shape(meta["payload"], prefix="payload")
        return ScheduleShape.ENVELOPE, profile_json, envelope, where
    if "csChargingProfiles" in body:
        wrapper = WrapperSerializer(data=body)
        if not wrapper.is_valid():
            raise ValidationError(_nest(prefix, wrapper.errors))
        return ScheduleShape.WRAPPER, body["csChargingProfiles"], None, _join(prefix, "csChargingProfiles")
    return ScheduleShape.PROFILE, body, None, prefix


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def _flag(request: Request, name: str) -> bool:
    """A boolean query parameter as clients spell it (`true`, `True`, `1`: FastAPI and Python write
    those); anything else is a 400 naming it, since reading it as false would answer 404 instead."""
    value = request.query_params.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise ValidationError({name: [f"Must be true or false (also 1/0, yes/no, on/off); got {value!r}."]})
    return value in _TRUE


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _nest(prefix: str, errors: Any) -> Any:
    """Errors placed where they are in the body: {"payload": {"csChargingProfiles": {...}}}."""
    for key in reversed([part for part in prefix.split(".") if part]):
        errors = {key: errors}
    return errors


class ChargingProfileView(AnswersCopiesAlike, AxleAPIView):
    """`POST /api/axle/v1/assets/{asset_id}/charging-profile`: Axle's new schedule for a charger."""

    @extend_schema(**docs.CHARGING_PROFILE)
    def post(self, request: Request, asset_id: str) -> Response:
        raw = self._raw_body(request)
        earlier = self.claim_signed(verify_signature(raw, request.headers.get("x-axle-sig")))
        if earlier is not None:
            return earlier  # a copy of a signed request already received: its answer, nothing changes
        body = request.data  # 415 if not JSON, 400 if malformed or a key appears twice
        shape, profile_json, envelope, prefix = _read_shape(body)
        profile = ChargingProfileSerializer(data=profile_json)
        if not profile.is_valid():
            raise ValidationError(_nest(prefix, profile.errors))
        external = _flag(request, "asset_id_is_external")
        try:
            received = schedule_receive(
                asset=ChargerLookup(asset_id, external=external),
                profile=to_profile(profile.validated_data),
                profile_json=profile_json,
                raw_payload=body,
                shape=shape,
                envelope=envelope,
            )
        except UnknownCharger:
            hint = "our external id" if external else "Axle's asset_id (use ?asset_id_is_external=true for ours)"
            raise AssetNotFound(f"No charger has {hint} {asset_id!r}.") from None
        except ChargerNotEnrolled:
            raise AssetNotEnrolled(
                f"Charger {asset_id!r} is not enrolled in full_asset_schedule_control, so it takes no schedules."
            ) from None
        schedule = received.schedule
        answer = {
            "schedule_id": schedule.pk,
            "asset_id": asset_id,
            "status": "accepted",
            "received_at": schedule.received_at,
        }
        return Response(ScheduleAccepted(answer).data, status=status.HTTP_202_ACCEPTED)

    def _raw_body(self, request: Request) -> bytes:
        limit = settings.AXLE_SCHEDULE_MAX_BYTES
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(f"The body is {length} bytes; the limit is {limit} bytes.")
        try:
            return request.body
        except RequestDataTooBig as error:
            raise PayloadTooLarge(f"The body is over the limit of {limit} bytes.") from error


class PingView(AxleAPIView):
    """`GET /api/axle/v1/ping`: lets Axle check its token and scope without sending a schedule."""

    @extend_schema(**docs.PING)
    def get(self, request: Request) -> Response:
        application = getattr(request.auth, "application", None)  # the toolkit's AccessToken
        return Response({"ok": True, "client": application.name if application else None})
