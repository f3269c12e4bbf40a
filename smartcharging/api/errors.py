"""The refusals the schedule endpoint can give Axle, each a DRF APIException with its status.

Axle retries 5xx and timeouts and never retries a 4xx, so each of these means "this will never be
accepted as sent"; the detail says what to change.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException


class AssetNotFound(APIException):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "No charger with this id."
    default_code = "asset_not_found"


class AssetNotEnrolled(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This charger's site is not enrolled in full_asset_schedule_control."
    default_code = "asset_not_enrolled"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is too large."
    default_code = "payload_too_large"


class BadSignature(APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The x-axle-sig header is missing or does not match the body."
    default_code = "bad_signature"


class ComeBackLater(APIException):
    """A push over Axle's rate: 503 with Retry-After, never 429.

    Axle retries 5xx and timeouts and never a 4xx, so a 429 would drop a valid schedule for good
    (a market re-optimisation is exactly such a burst). DRF's handler writes `wait` as Retry-After.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "come_back_later"

    def __init__(self, wait: float | None) -> None:
        self.wait = max(1, int(wait or 1))
        super().__init__(f"More pushes than this client's rate allows; nothing was stored. Retry after {self.wait} s.")
