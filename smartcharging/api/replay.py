"""A signed push is heard once: every copy of the same signed request gets the first copy's answer.

Without this, a copy of an older signed push, sent again within the signature's five minutes,
would install that older plan over a newer one (a bare profile carries no id to dedupe on). Each
signature is remembered in the cache for as long as its header would pass the clock check, with
the answer it got:

- its first copy claims it (one atomic `cache.add`) and is received as usual;
- any later copy gets that same answer (202 with the same schedule id, or the same refusal) and
  changes nothing, which is also right for Axle, whose retry of a timed-out request may carry the
  same signature and must not be told it failed;
- a copy that arrives while the first is still being received gets 503 with Retry-After, which
  Axle retries, so it then reads the first copy's answer;
- if the first copy ends in an error of ours (5xx), the signature is forgotten, so Axle's retry of
  it is received afresh.

The memory is the default cache (Redis in production, shared by every web process).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .security import SignedDelivery

RECEIVING = "receiving"
RECEIVING_RETRY_AFTER_S = 5


def _key(delivery: SignedDelivery) -> str:
    return f"axle-signed:{delivery.signature}"


def signed_delivery_claim(delivery: SignedDelivery) -> Response | None:
    """None if this is the request's first copy (now claimed), else the answer for a later copy."""
    if cache.add(_key(delivery), RECEIVING, timeout=delivery.seconds_left()):
        return None
    earlier = cache.get(_key(delivery), RECEIVING)
    if earlier == RECEIVING:
        return Response(
            {
                "detail": "The same signed request is being received right now; "
                f"retry in {RECEIVING_RETRY_AFTER_S} seconds for its answer."
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RECEIVING_RETRY_AFTER_S)},
        )
    answer_status, body = earlier
    return Response(body, status=answer_status)


def signed_delivery_settle(delivery: SignedDelivery, *, answer_status: int, body: Any) -> None:
    """Remember the first copy's answer for later copies; forget the request after an error of ours."""
    if answer_status >= 500:
        cache.delete(_key(delivery))
        return
    plain = json.loads(JSONRenderer().render(body)) if body is not None else None
    cache.set(_key(delivery), (answer_status, plain), timeout=delivery.seconds_left())


class AnswersCopiesAlike(APIView):
    """A view whose handler calls `claim_signed` once the signature is checked; the answer it
    gives (a refusal included) is then the answer for every later copy of the request."""

    claimed: SignedDelivery | None = None

    def claim_signed(self, delivery: SignedDelivery | None) -> Response | None:
        """None: go on receiving this request. Otherwise the answer to give this copy instead."""
        if delivery is None:
            return None  # no secret configured: nothing to tell copies apart by
        earlier = signed_delivery_claim(delivery)
        if earlier is None:
            self.claimed = delivery
        return earlier

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Response:
        final: Response = super().finalize_response(request, response, *args, **kwargs)
        if self.claimed is not None:
            signed_delivery_settle(self.claimed, answer_status=final.status_code, body=final.data)
        return final

    def handle_exception(self, exc: Exception) -> Response:
        try:
            response: Response = super().handle_exception(exc)
        except Exception:
            if self.claimed is not None:  # an error of ours (a 500): Axle's retry must be heard
                signed_delivery_settle(self.claimed, answer_status=500, body=None)
                self.claimed = None
            raise
        return response
