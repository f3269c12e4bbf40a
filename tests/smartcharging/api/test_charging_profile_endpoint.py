"""The endpoint Axle pushes schedules to: every answer of the contract, produced by a real request."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import close_old_connections
from rest_framework.test import APIClient

from accounts.models import User
from smartcharging.api.security import PerClientThrottle
from smartcharging.models import AxleEvent, ChargingSchedule, EnrolmentStatus, EventKind, Proposition
from smartcharging.models.schedules import ScheduleShape
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db


def post(client, asset, body, **kwargs):
    return client.post(url(asset, external=kwargs.pop("external", False)), body, format="json", **kwargs)


@pytest.mark.parametrize(
    ("shape", "wrap"),
    [
        (ScheduleShape.PROFILE, lambda p: p),
        (ScheduleShape.WRAPPER, lambda p: {"connectorId": 1, "csChargingProfiles": p}),
        (
            ScheduleShape.ENVELOPE,
            lambda p: {
                "id": str(uuid.uuid4()),
                "event_type": "asset.schedule.updated",
                "created_at": "2026-04-14T21:59:58Z",
                "payload": p,
            },
        ),
    ],
)
def test_axles_documented_example_is_accepted_in_each_shape(axle_api, smart_asset, profile, shape, wrap):
    body = wrap(profile)
    response = post(axle_api, smart_asset, body)
    assert response.status_code == 202, response.content
    schedule = ChargingSchedule.objects.get(pk=response.json()["schedule_id"])
    assert response.json()["status"] == "accepted"
    assert schedule.shape == shape
    assert schedule.raw_payload == body  # as received
    assert schedule.is_current
    assert (schedule.stack_level, schedule.purpose, schedule.rate_unit, schedule.duration_s) == (
        1100,
        "TxProfile",
        "W",
        32400,
    )
    assert schedule.start_schedule.isoformat() == "2026-04-14T22:00:00+00:00"
    assert schedule.periods == [
        {"start_period_s": 0, "limit": 0.0, "number_phases": 1},
        {"start_period_s": 5400, "limit": 99999.0, "number_phases": 1},
        {"start_period_s": 27000, "limit": 0.0, "number_phases": 1},
    ]


def test_our_external_id_can_name_the_charger(axle_api, smart_asset, profile):
    assert post(axle_api, smart_asset, profile, external=True).status_code == 202


def test_a_repeated_delivery_gets_the_same_answer_and_stores_nothing(axle_api, smart_asset, profile):
    first = post(axle_api, smart_asset, profile)
    reordered = json.loads(json.dumps(profile, sort_keys=True))
    second = post(axle_api, smart_asset, reordered)
    assert second.status_code == 202
    assert second.json() == first.json()
    assert ChargingSchedule.objects.count() == 1


def test_a_repeated_envelope_gets_the_same_answer(axle_api, smart_asset, profile):
    envelope = {"id": "evt-1", "event_type": "schedule", "payload": profile}
    first = post(axle_api, smart_asset, envelope)
    changed = {**envelope, "payload": {**profile, "stackLevel": 5}}  # same id: still the same delivery
    assert post(axle_api, smart_asset, changed).json() == first.json()
    assert ChargingSchedule.objects.count() == 1


def test_one_event_id_for_two_chargers_is_two_deliveries(axle_api, smart_asset, profile):
    """Axle's callback path is /entities/asset/{asset_id}/callback/{event_id}: an event id is per
    charger. The second charger used to get the first's schedule id and nothing stored (issue 19, 7)."""
    other = AssetFactory(axle_asset_id=uuid.uuid4(), site=smart_asset.site)
    envelope = {"id": "evt-shared", "event_type": "schedule", "payload": profile}
    first = post(axle_api, smart_asset, envelope).json()
    second = post(axle_api, other, envelope).json()
    assert second["schedule_id"] != first["schedule_id"]
    assert ChargingSchedule.objects.get(asset=other, is_current=True).envelope_id == "evt-shared"
    callbacks = AxleEvent.objects.filter(kind=EventKind.SCHEDULE_CALLBACK)
    assert sorted(str(e.asset_id) for e in callbacks) == sorted([str(smart_asset.pk), str(other.pk)])


def test_a_new_event_id_with_the_current_profile_is_heard_and_acknowledged(axle_api, smart_asset, profile):
    """Every event id Axle sends gets RECEIVED and later what the charger did; a new id carrying the
    same plan was answered as a repeat and never called back (issue 19, 8)."""
    first = post(axle_api, smart_asset, {"id": "evt-1", "payload": profile}).json()
    second = post(axle_api, smart_asset, {"id": "evt-2", "payload": profile}).json()
    assert second["schedule_id"] != first["schedule_id"]
    assert ChargingSchedule.objects.get(asset=smart_asset, is_current=True).envelope_id == "evt-2"
    acknowledged = [e.payload["event_id"] for e in AxleEvent.objects.filter(kind=EventKind.SCHEDULE_CALLBACK)]
    assert sorted(acknowledged) == ["evt-1", "evt-2"]


def test_a_new_schedule_replaces_the_current_one_which_stays_in_the_history(axle_api, smart_asset, profile):
    first = post(axle_api, smart_asset, profile).json()["schedule_id"]
    profile["chargingSchedule"]["chargingSchedulePeriod"][1]["startPeriod"] = 3600
    second = post(axle_api, smart_asset, profile).json()["schedule_id"]
    old, new = ChargingSchedule.objects.get(pk=first), ChargingSchedule.objects.get(pk=second)
    assert (old.is_current, new.is_current) == (False, True)
    assert old.superseded_at is not None
    # Back to the first plan is a new schedule, not a repeat: it differs from the current one.
    profile["chargingSchedule"]["chargingSchedulePeriod"][1]["startPeriod"] = 5400
    third = post(axle_api, smart_asset, profile).json()["schedule_id"]
    assert third not in (first, second)
    assert ChargingSchedule.objects.filter(asset=smart_asset, is_current=True).get().pk == third


def test_a_late_envelope_made_before_the_current_schedule_does_not_replace_it(axle_api, smart_asset, profile):
    newer = {"id": "new", "created_at": "2026-04-14T22:10:00Z", "payload": profile}
    post(axle_api, smart_asset, newer)
    older_profile = {**profile, "stackLevel": 7}
    late = post(axle_api, smart_asset, {"id": "old", "created_at": "2026-04-14T22:00:00Z", "payload": older_profile})
    assert late.status_code == 202
    assert ChargingSchedule.objects.get(envelope_id="new").is_current
    assert not ChargingSchedule.objects.get(envelope_id="old").is_current


def test_an_envelope_dated_in_the_future_does_not_make_every_later_one_late(axle_api, smart_asset, profile):
    """Axle's clock is evidence, not truth: an envelope created in 2099 used to make every later envelope
    "late", kept in the history only while still answered 202 (issue 19, defect 6)."""
    post(axle_api, smart_asset, {"id": "from-2099", "created_at": "2099-01-01T00:00:00Z", "payload": profile})
    now = datetime.now(UTC).isoformat()
    later = post(axle_api, smart_asset, {"id": "now", "created_at": now, "payload": {**profile, "stackLevel": 7}})
    assert later.status_code == 202
    current = ChargingSchedule.objects.get(asset=smart_asset, is_current=True)
    assert current.envelope_id == "now"
    stored_2099 = ChargingSchedule.objects.get(envelope_id="from-2099")
    assert stored_2099.envelope_created_at.year < 2099  # held to the time it arrived


def test_every_wrong_field_is_named_where_it_sits(axle_api, smart_asset, profile):
    schedule = profile["chargingSchedule"]
    schedule["chargingRateUnit"] = "kW"
    schedule["chargingSchedulePeriod"][1]["limit"] = -1
    schedule["chargingSchedulePeriod"][2]["startPeriod"] = 5400
    profile["chargingProfileKind"] = "Sometimes"
    response = post(axle_api, smart_asset, {"connectorId": 1, "csChargingProfiles": profile})
    assert response.status_code == 400
    errors = response.json()["csChargingProfiles"]
    assert errors["chargingProfileKind"] == ['"Sometimes" is not a valid choice.']
    assert errors["chargingSchedule"]["chargingRateUnit"] == ['"kW" is not a valid choice.']
    assert errors["chargingSchedule"]["chargingSchedulePeriod"]["1"] == {
        "limit": ["Ensure this value is greater than or equal to 0."]
    }
    assert not ChargingSchedule.objects.exists()


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            lambda p: p["chargingSchedule"]["chargingSchedulePeriod"].reverse(),
            ["chargingSchedule", "chargingSchedulePeriod"],
            "The first period must have startPeriod 0.",
        ),
        (
            lambda p: p["chargingSchedule"]["chargingSchedulePeriod"][2].update(startPeriod=5400),
            ["chargingSchedule", "chargingSchedulePeriod"],
            "startPeriod must rise from one period to the next; period 2 starts at 5400, not after 5400.",
        ),
        (
            lambda p: p["chargingSchedule"].update(duration=27000),
            ["chargingSchedule", "duration"],
            "The schedule lasts 27000 s but its last period starts at 27000 s.",
        ),
        (
            lambda p: p["chargingSchedule"].update(duration=0),
            ["chargingSchedule", "duration"],
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            lambda p: p["chargingSchedule"].update(startSchedule=None),
            ["chargingSchedule", "startSchedule"],
            "An Absolute profile needs startSchedule.",
        ),
        (
            lambda p: p["chargingSchedule"].update(startSchedule="tomorrow"),
            ["chargingSchedule", "startSchedule"],
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        (
            lambda p: p["chargingSchedule"].update(chargingSchedulePeriod=[]),
            ["chargingSchedule", "chargingSchedulePeriod", "non_field_errors"],
            "This list may not be empty.",
        ),
        (
            lambda p: p.update(chargingProfilePurpose="ChargePointMaxProfile"),
            ["chargingProfilePurpose"],
            "A schedule for a car's charge must be TxProfile or TxDefaultProfile.",
        ),
        (
            lambda p: p.update(chargingProfileKind="Recurring"),
            ["recurrencyKind"],
            "A Recurring profile needs recurrencyKind.",
        ),
        (lambda p: p.pop("stackLevel"), ["stackLevel"], "This field is required."),
        (
            lambda p: p["chargingSchedule"]["chargingSchedulePeriod"][0].update(numberPhases=4),
            ["chargingSchedule", "chargingSchedulePeriod", "0", "numberPhases"],
            "Ensure this value is less than or equal to 3.",
        ),
    ],
)
def test_ocpp_rules_that_still_apply_are_enforced(axle_api, smart_asset, profile, change, where, message):
    change(profile)
    response = post(axle_api, smart_asset, profile)
    assert response.status_code == 400
    found = response.json()
    for key in where:
        found = found[key]
    assert message in (found if isinstance(found, list) else [found])


def test_a_body_that_is_not_an_object(axle_api, smart_asset):
    response = post(axle_api, smart_asset, [1, 2, 3])
    assert (response.status_code, response.json()) == (400, {"non_field_errors": ["Expected a JSON object."]})


def test_malformed_json_is_400_and_other_media_types_415(axle_api, smart_asset):
    target = url(smart_asset)
    assert axle_api.post(target, "{not json", content_type="application/json").status_code == 400
    response = axle_api.post(target, "limit=5", content_type="text/plain")
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]


def test_too_large_is_413(axle_api, smart_asset, profile, settings):
    settings.AXLE_SCHEDULE_MAX_BYTES = 1000
    profile["padding"] = "x" * 2000
    response = post(axle_api, smart_asset, profile)
    assert response.status_code == 413
    assert "the limit is 1000 bytes" in response.json()["detail"]


def test_unknown_charger_is_404(axle_api, profile):
    ghost = AssetFactory.build(axle_asset_id=uuid.uuid4(), external_id="nobody")
    response = post(axle_api, ghost, profile)
    assert response.status_code == 404
    assert str(ghost.axle_asset_id) in response.json()["detail"]
    assert post(axle_api, ghost, profile, external=True).status_code == 404
    assert axle_api.post("/api/axle/v1/assets/not-a-uuid/charging-profile", profile, format="json").status_code == 404


def test_a_wrong_body_is_named_before_the_charger_is_looked_up(axle_api, profile):
    """The charger is found (and locked) in the push's one transaction, after the body is checked."""
    ghost = AssetFactory.build(axle_asset_id=uuid.uuid4())
    profile["chargingSchedule"]["chargingRateUnit"] = "kW"
    response = post(axle_api, ghost, profile)
    assert response.status_code == 400
    assert "chargingRateUnit" in response.json()["chargingSchedule"]
    assert ChargingSchedule.objects.count() == 0


@pytest.mark.parametrize(
    ("proposition", "status", "answer"),
    [
        (Proposition.FLEX_LITE, EnrolmentStatus.ENROLLED, 409),
        (Proposition.SMART_CHARGING, EnrolmentStatus.UNENROLLED, 409),
        (Proposition.SMART_CHARGING, EnrolmentStatus.FAILED, 409),
        # The enrol call is sent but Axle's answer not yet recorded: Axle may already push.
        (Proposition.SMART_CHARGING, EnrolmentStatus.PENDING, 202),
    ],
)
def test_only_chargers_in_smart_charging_take_schedules(axle_api, profile, proposition, status, answer):
    asset = AssetFactory(axle_asset_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, proposition=proposition, status=status)
    response = post(axle_api, asset, profile)
    assert response.status_code == answer
    if answer == 409:
        assert "not enrolled in full_asset_schedule_control" in response.json()["detail"]


def test_no_token_is_401_with_a_bearer_challenge(smart_asset, profile):
    response = post(APIClient(), smart_asset, profile)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_401(axle_api, smart_asset, profile):
    with time_machine.travel(timedelta(hours=2)):
        assert post(axle_api, smart_asset, profile).status_code == 401


def test_a_token_without_the_schedules_scope_is_403(token_without_scope, smart_asset, profile):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_without_scope}")
    assert post(client, smart_asset, profile).status_code == 403


def test_a_homeowner_session_cannot_push(client, smart_asset, profile):
    client.force_login(User.objects.create_user("owner@example.com", "a long passphrase 1"))
    response = client.post(url(smart_asset), json.dumps(profile), content_type="application/json")
    assert response.status_code == 401


def test_axles_token_reaches_nothing_else(axle_token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {axle_token}"}
    assert APIClient().get("/admin/", **headers).status_code == 302  # to the sign-in page
    assert APIClient().get("/api/axle/v1/ping", **headers).json()["client"] == "Axle Energy"


def test_over_the_rate_a_push_is_asked_to_come_back_with_503_and_retry_after(
    axle_api, smart_asset, profile, monkeypatch
):
    """Axle retries 5xx and never a 4xx: a 429 lost every valid schedule of a burst (issue 19, 1)."""
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"axle": "2/min"})
    answers = [post(axle_api, smart_asset, profile) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 503]
    assert int(answers[2]["Retry-After"]) > 0
    assert "retry after" in answers[2].json()["detail"].lower()
    assert ChargingSchedule.objects.filter(asset=smart_asset).count() == 1  # the refused one is not half-stored


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE", "1", "yes", "on"])
def test_asset_id_is_external_accepts_the_usual_spellings_of_true(axle_api, smart_asset, profile, spelling):
    """FastAPI and Python clients write a boolean True or 1; it was read as false and answered 404."""
    path = f"/api/axle/v1/assets/{smart_asset.external_id}/charging-profile?asset_id_is_external={spelling}"
    response = axle_api.post(path, json.dumps(profile), content_type="application/json")
    assert response.status_code == 202, response.content


@pytest.mark.parametrize("spelling", ["false", "False", "0", "no", "off", ""])
def test_asset_id_is_external_false_means_axles_id(axle_api, smart_asset, profile, spelling):
    path = f"/api/axle/v1/assets/{smart_asset.axle_asset_id}/charging-profile?asset_id_is_external={spelling}"
    response = axle_api.post(path, json.dumps(profile), content_type="application/json")
    assert response.status_code == 202, response.content


@pytest.mark.parametrize("spelling", ["maybe", "2", "tru"])
def test_asset_id_is_external_otherwise_is_refused_naming_the_parameter(axle_api, smart_asset, profile, spelling):
    path = f"/api/axle/v1/assets/{smart_asset.external_id}/charging-profile?asset_id_is_external={spelling}"
    response = axle_api.post(path, json.dumps(profile), content_type="application/json")
    assert response.status_code == 400
    assert "asset_id_is_external" in response.json()
    assert not ChargingSchedule.objects.filter(asset=smart_asset).exists()


def sign(secret: str, body: bytes, t: int) -> str:
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("case", ["good", "missing", "wrong", "stale", "garbled"])
def test_signature_is_checked_on_the_raw_body_when_a_secret_is_configured(
    axle_api, smart_asset, profile, settings, case
):
    settings.AXLE_WEBHOOK_SECRET = "shared-secret"
    body = json.dumps(profile).encode()
    now = int(time.time())
    headers = {
        "good": {"HTTP_X_AXLE_SIG": sign("shared-secret", body, now)},
        "missing": {},
        "wrong": {"HTTP_X_AXLE_SIG": sign("other-secret", body, now)},
        "stale": {"HTTP_X_AXLE_SIG": sign("shared-secret", body, now - 301)},
        "garbled": {"HTTP_X_AXLE_SIG": "v1=abc"},
    }[case]
    response = axle_api.post(url(smart_asset), body, content_type="application/json", **headers)
    assert response.status_code == (202 if case == "good" else 401)
    assert ChargingSchedule.objects.count() == (1 if case == "good" else 0)


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_racing_for_one_charger_leave_one_current_schedule(axle_token, smart_asset, profile):
    results = []

    def push(limit):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {axle_token}")
        body = json.loads(json.dumps(profile))
        body["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"] = limit
        try:
            results.append(post(client, smart_asset, body).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=push, args=(1000.0 + i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [202] * 6
    assert ChargingSchedule.objects.filter(asset=smart_asset).count() == 6
    assert ChargingSchedule.objects.filter(asset=smart_asset, is_current=True).count() == 1
