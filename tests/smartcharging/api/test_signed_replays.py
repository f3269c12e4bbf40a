"""A signed push is heard once, and what was signed is what is used (issue 18, finding 5).

Through real requests with a real x-axle-sig: a copy of an older signed push, sent again within
the signature's five minutes, used to install that older plan over a newer one; and a body naming
a key twice was read last-wins after the signature check.
"""

import copy
import hashlib
import hmac
import json
import time

import pytest

from smartcharging.api.replay import signed_delivery_claim, signed_delivery_settle
from smartcharging.api.security import verify_signature
from smartcharging.models import ChargingSchedule, EnrolmentStatus, Proposition
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db

SECRET = "shared-secret"


@pytest.fixture(autouse=True)
def _signing(settings):
    settings.AXLE_WEBHOOK_SECRET = SECRET


def signed(body: bytes, t: int | None = None) -> dict[str, str]:
    t = int(time.time()) if t is None else t
    digest = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_AXLE_SIG": f"t={t},v1={digest}"}


def send(client, asset, body: bytes, headers):
    return client.post(url(asset), body, content_type="application/json", **headers)


def plan(profile, first_limit_w: float) -> bytes:
    changed = copy.deepcopy(profile)
    changed["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"] = first_limit_w
    return json.dumps(changed).encode()


def current_limit(asset):
    return ChargingSchedule.objects.get(asset=asset, is_current=True).periods[1]["limit"]


def test_a_copy_of_an_older_signed_push_does_not_undo_a_newer_plan(axle_api, smart_asset, profile):
    older, newer = plan(profile, 3000.0), plan(profile, 7000.0)
    older_headers = signed(older)
    first = send(axle_api, smart_asset, older, older_headers)
    assert first.status_code == 202
    assert send(axle_api, smart_asset, newer, signed(newer)).status_code == 202

    copy_of_older = send(axle_api, smart_asset, older, older_headers)

    assert copy_of_older.status_code == 202  # Axle's own retry must not be told it failed
    assert copy_of_older.json() == first.json()  # the first copy's answer: the same schedule id
    assert current_limit(smart_asset) == 7000.0
    assert ChargingSchedule.objects.count() == 2


def test_a_copy_sent_to_another_charger_changes_nothing_there(axle_api, smart_asset, profile):
    other = AssetFactory()
    EnrolmentFactory(site=other.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    other.axle_asset_id = "0e8f9a43-1b1e-4a57-9f53-0d3f7c1b6a10"
    other.save()
    body = plan(profile, 3000.0)
    headers = signed(body)
    first = send(axle_api, smart_asset, body, headers)
    assert send(axle_api, other, body, headers).json() == first.json()
    assert not ChargingSchedule.objects.filter(asset=other).exists()


def test_a_refused_push_stays_refused_when_copied_later(axle_api, profile):
    asset = AssetFactory(axle_asset_id="5d9a4a8e-2c0f-4a57-9f53-0d3f7c1b6a10")
    body = plan(profile, 3000.0)
    headers = signed(body)
    refused = send(axle_api, asset, body, headers)
    assert refused.status_code == 409  # not enrolled yet
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    assert send(axle_api, asset, body, headers).json() == refused.json()
    assert not ChargingSchedule.objects.exists()


def test_the_same_body_signed_afresh_is_a_new_request(axle_api, smart_asset, profile):
    older, newer = plan(profile, 3000.0), plan(profile, 7000.0)
    now = int(time.time())
    send(axle_api, smart_asset, older, signed(older, now - 2))
    send(axle_api, smart_asset, newer, signed(newer, now - 1))
    again = send(axle_api, smart_asset, older, signed(older, now))  # Axle chose the older plan again
    assert again.status_code == 202
    assert current_limit(smart_asset) == 3000.0


def test_a_copy_arriving_while_the_first_is_received_is_asked_to_retry(axle_api, smart_asset, profile):
    body = plan(profile, 3000.0)
    headers = signed(body)
    # The first copy, claimed as the view claims it, and still being received.
    first = verify_signature(body, headers["HTTP_X_AXLE_SIG"])
    assert signed_delivery_claim(first) is None
    second = send(axle_api, smart_asset, body, headers)
    assert second.status_code == 503
    assert second["Retry-After"] == "5"
    assert "being received right now" in second.json()["detail"]
    assert not ChargingSchedule.objects.exists()
    # An error of ours ends the first copy: the retry is received afresh.
    signed_delivery_settle(first, answer_status=500, body=None)
    assert send(axle_api, smart_asset, body, headers).status_code == 202


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"stackLevel": 1, "stackLevel": 1100, "rest": 0}', "stackLevel"),
        (b'{"id": "evt-1", "payload": {"chargingSchedule": {"duration": 60, "duration": 32400}}}', "duration"),
    ],
)
@pytest.mark.parametrize("with_signature", [True, False])
def test_a_key_named_twice_is_refused_with_its_name_before_anything_is_stored(
    axle_api, smart_asset, settings, body, key, with_signature
):
    if not with_signature:
        settings.AXLE_WEBHOOK_SECRET = ""
    response = send(axle_api, smart_asset, body, signed(body) if with_signature else {})
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON parse error - the key {key!r} appears more than once in one object; send each key once."
    }
    assert not ChargingSchedule.objects.exists()


def test_a_real_profile_with_a_key_twice_is_refused(axle_api, smart_asset, profile):
    text = json.dumps(profile)
    body = text.replace('"stackLevel": 1100', '"stackLevel": 0, "stackLevel": 1100').encode()
    response = send(axle_api, smart_asset, body, signed(body))
    assert response.status_code == 400
    assert "'stackLevel'" in response.json()["detail"]
    assert not ChargingSchedule.objects.exists()


@pytest.mark.parametrize(
    "header", ["t=²,v1=abc", "t=\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660,v1=abc"]
)
def test_a_signature_time_in_other_digits_is_refused_in_words_not_a_server_error(
    axle_api, smart_asset, profile, header
):
    """`str.isdigit()` takes "²" and Arabic-Indic digits; `int()` refuses the first: it was a 500."""
    response = send(axle_api, smart_asset, json.dumps(profile).encode(), {"HTTP_X_AXLE_SIG": header})
    assert response.status_code == 401
    assert "t=<unix seconds>" in response.json()["detail"]
    assert not ChargingSchedule.objects.filter(asset=smart_asset).exists()
