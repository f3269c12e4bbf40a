"""Axle's bearer token: fetched once, shared through the cache, renewed early and after a 401."""

import json
import pickle
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from smartcharging.axle import client, token
from smartcharging.axle.errors import (
    AxleCredentialsError,
    AxlePermanentError,
    AxleProtocolError,
    AxleTransientError,
)
from tests.smartcharging.axle import fake_axle as fake

INFO_URL = f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/info"


def test_token_call_sends_the_credentials_form_encoded(axle, token_call):
    answer = token.get_token()

    request = token_call.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "username": [fake.USERNAME],
        "password": [fake.PASSWORD],
        "grant_type": ["password"],
    }
    assert "Authorization" not in request.headers
    assert (answer.access_token, answer.token_type) == (fake.TOKEN, "bearer")
    assert fake.TOKEN not in repr(answer)


def test_one_token_serves_every_call(axle, token_call):
    axle.get(INFO_URL, json=fake.REWARDS_INFO)
    axle.get(f"{fake.BASE_URL}/entities/site/{fake.SITE_ID}/eligibility", json=fake.ELIGIBILITY)

    client.rewards_info(site_id=fake.SITE_ID)
    client.eligibility(site_id=fake.SITE_ID)
    client.rewards_info(site_id=fake.SITE_ID)

    assert token_call.call_count == 1
    assert cache.get(token.CACHE_KEY) == fake.TOKEN


def test_token_is_renewed_before_axle_would_refuse_it(axle):
    axle.post(fake.TOKEN_URL, json=fake.TOKEN_ANSWER)
    axle.post(fake.TOKEN_URL, json={"access_token": fake.NEW_TOKEN, "token_type": "bearer"})
    info = axle.get(INFO_URL, json=fake.REWARDS_INFO)

    with time_machine.travel(datetime(2026, 4, 14, 12, 0, tzinfo=UTC), tick=False) as clock:
        client.rewards_info(site_id=fake.SITE_ID)
        clock.shift(timedelta(seconds=3600 - 300 - 1))  # still inside lifetime minus margin
        client.rewards_info(site_id=fake.SITE_ID)
        clock.shift(timedelta(seconds=2))
        client.rewards_info(site_id=fake.SITE_ID)

    bearers = [call.request.headers["Authorization"] for call in info.calls]
    assert bearers == [f"Bearer {fake.TOKEN}"] * 2 + [f"Bearer {fake.NEW_TOKEN}"]


def test_a_401_renews_the_token_once_and_retries_once(axle):
    tokens = [
        axle.post(fake.TOKEN_URL, json=fake.TOKEN_ANSWER),
        axle.post(fake.TOKEN_URL, json={"access_token": fake.NEW_TOKEN, "token_type": "bearer"}),
    ]
    refused = axle.get(INFO_URL, status=401, json={"detail": "Could not validate credentials"})
    accepted = axle.get(INFO_URL, json=fake.REWARDS_INFO)

    info = client.rewards_info(site_id=fake.SITE_ID)

    assert info.current_balance_pence == 1250
    assert [route.call_count for route in tokens] == [1, 1]
    assert refused.calls[0].request.headers["Authorization"] == f"Bearer {fake.TOKEN}"
    assert accepted.calls[0].request.headers["Authorization"] == f"Bearer {fake.NEW_TOKEN}"
    assert cache.get(token.CACHE_KEY) == fake.NEW_TOKEN


def test_a_second_401_is_transient(axle):
    axle.post(fake.TOKEN_URL, json=fake.TOKEN_ANSWER)
    axle.post(fake.TOKEN_URL, json={"access_token": fake.NEW_TOKEN, "token_type": "bearer"})
    info = axle.get(INFO_URL, status=401, json={"detail": "Could not validate credentials"})

    with pytest.raises(AxleTransientError) as caught:
        client.rewards_info(site_id=fake.SITE_ID)

    assert info.call_count == 2
    assert len([call for call in axle.calls if call.request.url == fake.TOKEN_URL]) == 2
    assert caught.value.status_code == 401
    assert caught.value.transient is True
    assert str(caught.value) == "Axle answered 401: Could not validate credentials (even with a renewed token)"


def test_a_401_uses_the_token_another_worker_already_renewed(axle, token_call):
    def another_worker_renews(request):
        cache.set(token.CACHE_KEY, fake.NEW_TOKEN)
        return (401, {}, '{"detail": "Could not validate credentials"}')

    axle.add_callback("GET", INFO_URL, callback=another_worker_renews)
    accepted = axle.get(INFO_URL, json=fake.REWARDS_INFO)
    cache.set(token.CACHE_KEY, fake.TOKEN)

    client.rewards_info(site_id=fake.SITE_ID)

    assert token_call.call_count == 0
    assert accepted.calls[0].request.headers["Authorization"] == f"Bearer {fake.NEW_TOKEN}"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(401, {"detail": "Incorrect username or password"}, id="401"),
        pytest.param(400, {"detail": f"Unknown user {fake.USERNAME}"}, id="400-echoing-the-username"),
        pytest.param(
            422,
            {
                "detail": [
                    {
                        "type": "string_too_short",
                        "loc": ["body", "password"],
                        "msg": f"String should not be '{fake.PASSWORD}'",
                        "input": {"username": fake.USERNAME, "password": fake.PASSWORD},
                    }
                ]
            },
            id="422-echoing-the-form",
        ),
    ],
)
def test_refused_credentials_are_permanent_and_never_shown(axle, status, body):
    axle.post(fake.TOKEN_URL, status=status, json=body)

    with pytest.raises(AxleCredentialsError) as caught:
        client.rewards_info(site_id=fake.SITE_ID)

    error = caught.value
    assert isinstance(error, AxlePermanentError)
    assert error.transient is False
    assert error.status_code == status
    assert str(error).startswith("Axle refused the platform's credentials (AXLE_USERNAME/AXLE_PASSWORD)")
    unpickled = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as Celery would pass them
    shown = " ".join([str(error), repr(error), repr(error.body), repr(unpickled.body)])
    assert fake.PASSWORD not in shown
    assert fake.USERNAME not in shown
    assert error.__suppress_context__  # the unscrubbed error stays out of tracebacks
    assert len(axle.calls) == 1  # the call itself was never sent


@pytest.mark.parametrize("status", [500, 503])
def test_token_call_failing_on_axles_side_is_transient(axle, status):
    axle.post(fake.TOKEN_URL, status=status)

    with pytest.raises(AxleTransientError) as caught:
        client.rewards_info(site_id=fake.SITE_ID)

    assert caught.value.status_code == status


def test_token_answer_without_a_token_is_refused(axle):
    axle.post(fake.TOKEN_URL, json={"token_type": "bearer"})

    with pytest.raises(AxleProtocolError, match="required field access_token is missing"):
        token.get_token()


def test_workers_needing_a_token_at_once_share_one_token_call(axle):
    release = threading.Event()

    def slow_token_call(request):
        release.wait(timeout=5)
        return (200, {}, json.dumps(fake.TOKEN_ANSWER))

    route = axle.add_callback("POST", fake.TOKEN_URL, callback=slow_token_call)
    results = []
    workers = [threading.Thread(target=lambda: results.append(token.bearer_token())) for _ in range(3)]
    workers[0].start()
    while cache.get("axle:token:lock") is None:  # the first worker is fetching
        time.sleep(0.01)
    for worker in workers[1:]:
        worker.start()
    time.sleep(0.1)
    release.set()
    for worker in workers:
        worker.join(timeout=5)

    assert results == [fake.TOKEN] * 3
    assert route.call_count == 1


def test_a_renew_margin_longer_than_the_lifetime_is_refused(axle, token_call, settings):
    settings.AXLE_TOKEN_RENEW_MARGIN_S = 3600

    with pytest.raises(ImproperlyConfigured, match="AXLE_TOKEN_RENEW_MARGIN_S"):
        token.bearer_token()
