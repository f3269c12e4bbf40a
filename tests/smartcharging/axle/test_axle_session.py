"""The wrapper every Axle call goes through: timeouts, typed errors, gzip, and logs without secrets."""

import gzip
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from django.core.cache import cache

from smartcharging.axle import client, token
from smartcharging.axle.errors import AxleCredentialsError, AxlePermanentError, AxleTransientError
from smartcharging.axle.session import USER_AGENT
from smartcharging.axle.types import ReadingPayload
from tests.smartcharging.axle import fake_axle as fake

ENROL_URL = f"{fake.BASE_URL}/entities/site/{fake.SITE_ID}/enrol"
NOW = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
READING: ReadingPayload = {
    "asset_id": fake.ASSET_ID,
    "start_timestamp": NOW,
    "end_timestamp": NOW + timedelta(minutes=30),
    "value": 3.6,
    "label": "charger_consumption_energy_kwh",
}


def enrol():
    return client.enrol(site_id=fake.SITE_ID, proposition="full_asset_schedule_control")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        pytest.param(
            400,
            {"detail": "Boundary meter consent is required"},
            "Axle answered 400: Boundary meter consent is required",
            id="400",
        ),
        pytest.param(404, {"detail": "Site not found"}, "Axle answered 404: Site not found", id="404"),
        pytest.param(
            409,
            {"detail": "Asset charger-001 belongs to another site"},
            "Axle answered 409: Asset charger-001 belongs to another site",
            id="409",
        ),
        pytest.param(
            422,
            fake.VALIDATION_422,
            "Axle answered 422: site.mpan: field required; assets.0.type: value is not a valid enumeration member",
            id="422",
        ),
        pytest.param(403, None, "Axle answered 403: Forbidden", id="403-without-body"),
    ],
)
def test_refusals_are_permanent_and_readable(axle, token_call, status, body, message):
    route = axle.post(ENROL_URL, status=status, json=body)

    with pytest.raises(AxlePermanentError) as caught:
        enrol()

    error = caught.value
    assert (str(error), error.message) == (message, message)
    assert (error.status_code, error.body, error.transient) == (status, body, False)
    assert error.duration_ms is not None
    assert route.call_count == 1  # never retried


@pytest.mark.parametrize(
    ("status", "headers", "body", "message", "retry_after"),
    [
        pytest.param(408, {}, None, "Axle answered 408: Request Timeout", None, id="408"),
        pytest.param(
            429,
            {"Retry-After": "30"},
            '{"detail": "Too many requests"}',
            "Axle answered 429: Too many requests (retry after 30 s)",
            30.0,
            id="429-seconds",
        ),
        pytest.param(500, {}, "", "Axle answered 500: Internal Server Error", None, id="500"),
        pytest.param(
            503,
            {"Retry-After": "Tue, 14 Apr 2026 12:02:00 GMT"},
            None,
            "Axle answered 503: Service Unavailable (retry after 120 s)",
            120.0,
            id="503-http-date",
        ),
        pytest.param(
            504,
            {},
            "<html><body><h1>504 Gateway Time-out</h1>\n</body></html>",
            "Axle answered 504: <html><body><h1>504 Gateway Time-out</h1> </body></html>",
            None,
            id="504-html",
        ),
    ],
)
def test_failures_on_axles_side_are_transient(axle, token_call, status, headers, body, message, retry_after):
    axle.post(ENROL_URL, status=status, headers=headers, body=body)

    with time_machine.travel(NOW, tick=False), pytest.raises(AxleTransientError) as caught:
        enrol()

    error = caught.value
    assert (str(error), error.status_code, error.retry_after, error.transient) == (
        message,
        status,
        retry_after,
        True,
    )


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        pytest.param(
            requests.exceptions.ConnectTimeout(), "Axle did not answer in time (ConnectTimeout)", id="connect"
        ),
        pytest.param(requests.exceptions.ReadTimeout(), "Axle did not answer in time (ReadTimeout)", id="read"),
        pytest.param(
            requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
            "Axle could not be reached (ConnectionError)",
            id="refused",
        ),
    ],
)
def test_no_answer_is_transient(axle, token_call, failure, message):
    axle.post(ENROL_URL, body=failure)

    with pytest.raises(AxleTransientError) as caught:
        enrol()

    assert (str(caught.value), caught.value.status_code, caught.value.body) == (message, None, None)


def test_a_redirect_is_not_followed(axle, token_call):
    axle.post(ENROL_URL, status=307, headers={"Location": "https://elsewhere.test/enrol"})

    with pytest.raises(AxlePermanentError, match="Axle answered 307"):
        enrol()

    assert len(axle.calls) == 2  # the token call and the enrol call, nothing at elsewhere.test


def test_every_call_has_the_timeouts_and_user_agent(axle, token_call):
    axle.post(ENROL_URL, json={"site_id": fake.SITE_ID, "status": "enrolled"})
    axle.get(f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/info", json=fake.REWARDS_INFO)
    axle.post(f"{fake.BASE_URL}/entities/asset/{fake.ASSET_ID}/event/plug-out", body=requests.ReadTimeout())

    enrol()
    client.rewards_info(site_id=fake.SITE_ID)
    with pytest.raises(AxleTransientError):
        client.plug_out(asset_id=fake.ASSET_ID)

    assert len(axle.calls) == 4
    for call in axle.calls:
        assert call.request.req_kwargs["timeout"] == (fake.CONNECT_TIMEOUT_S, fake.READ_TIMEOUT_S)
        assert call.request.headers["User-Agent"] == USER_AGENT


def test_readings_can_be_sent_gzipped(axle, token_call):
    route = axle.post(f"{fake.BASE_URL}/data/readings", json=fake.READINGS_ANSWER)

    client.send_readings(readings=[READING], gzip_body=True)

    request = route.calls[0].request
    assert request.headers["Content-Encoding"] == "gzip"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(gzip.decompress(request.body)) == {
        "readings": [
            {
                "asset_id": fake.ASSET_ID,
                "start_timestamp": "2026-04-14T12:00:00+00:00",
                "end_timestamp": "2026-04-14T12:30:00+00:00",
                "value": 3.6,
                "label": "charger_consumption_energy_kwh",
            }
        ]
    }


def test_logs_name_each_call_but_no_secret(axle, caplog):
    caplog.set_level(logging.DEBUG)
    balance_url = f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/url/balance"
    axle.post(fake.TOKEN_URL, json=fake.TOKEN_ANSWER)
    axle.get(balance_url, status=401, json={"detail": "Could not validate credentials"})
    axle.post(fake.TOKEN_URL, json={"access_token": fake.NEW_TOKEN, "token_type": "bearer"})
    axle.get(balance_url, json=fake.WITHDRAWAL_ANSWER)
    axle.post(ENROL_URL, status=503)

    client.withdrawal_url(site_id=fake.SITE_ID, redirect_uri="https://app.example/rewards")
    with pytest.raises(AxleTransientError):
        enrol()
    cache.clear()  # the next call needs a token, and Axle now refuses the credentials
    token.forget_local_copy()
    axle.post(fake.TOKEN_URL, status=401, json={"detail": f"Incorrect password {fake.PASSWORD}"})
    with pytest.raises(AxleCredentialsError):
        enrol()

    for secret in (fake.TOKEN, fake.NEW_TOKEN, fake.PASSWORD, fake.USERNAME, fake.WITHDRAWAL_URL, "Bearer"):
        assert secret not in caplog.text
    records = [record for record in caplog.records if record.name.startswith("smartcharging.axle")]
    balance_path = f"/rewards/{fake.SITE_ID}/url/balance"  # without its query string
    assert [(record.levelname, record.getMessage().rsplit(" in ", 1)[0]) for record in records] == [
        ("INFO", "Axle POST /auth/token-form -> 200"),
        ("WARNING", f"Axle GET {balance_path} -> 401"),
        ("INFO", "Axle POST /auth/token-form -> 200"),
        ("INFO", f"Axle GET {balance_path} -> 200"),
        ("WARNING", f"Axle POST /entities/site/{fake.SITE_ID}/enrol -> 503"),
        ("WARNING", "Axle POST /auth/token-form -> 401"),
    ]
    assert all(record.getMessage().endswith(" ms") for record in records)
