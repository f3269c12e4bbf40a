"""The token endpoint and the bearer check, met by the platform's own token code."""

import time

import pytest
import requests

from smartcharging.axle import client, get_token
from smartcharging.axle.errors import AxleCredentialsError
from tests.smartcharging.axle_standin.helpers import PASSWORD, USERNAME, onboard_smart


def test_token_is_issued_for_the_platforms_credentials(standin):
    answer = get_token()

    assert answer.token_type == "bearer"
    assert standin.state.tokens[answer.access_token] == pytest.approx(time.time() + 3600, abs=5)


def test_token_answer_says_nothing_about_expiry_like_axle(standin):
    answer = requests.post(
        f"{standin.public_url}/auth/token-form",
        data={"username": USERNAME, "password": PASSWORD, "grant_type": "password"},
        timeout=5,
    )

    assert answer.status_code == 200
    assert set(answer.json()) == {"access_token", "token_type"}


def test_wrong_password_is_refused_without_echoing_it(standin, settings):
    settings.AXLE_PASSWORD = "not-the-password"

    with pytest.raises(AxleCredentialsError) as caught:
        get_token()

    assert caught.value.status_code == 401
    assert "not-the-password" not in str(caught.value.body)


def test_missing_form_fields_are_a_fastapi_422(standin):
    answer = requests.post(f"{standin.public_url}/auth/token-form", data={"username": USERNAME}, timeout=5)

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "password"]
    assert answer.json()["detail"][0]["type"] == "missing"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Not authenticated"),
        ("Bearer made-up", "Could not validate credentials"),
        ("Basic abc", "Not authenticated"),
    ],
)
def test_calls_without_a_valid_bearer_are_401(standin, header, detail):
    headers = {"Authorization": header} if header else {}
    answer = requests.get(
        f"{standin.public_url}/rewards/a1b2c3d4-e5f6-7890-abcd-ef1234567890/info", headers=headers, timeout=5
    )

    assert answer.status_code == 401
    assert answer.json() == {"detail": detail}
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_is_refused_and_the_client_renews_it(standin):
    site_id, _ = onboard_smart()
    for token in standin.state.tokens:
        standin.state.tokens[token] = time.time() - 1  # Axle's hour is up

    assert client.rewards_info(site_id=site_id).current_balance_pence == 0
    assert [r["status"] for r in standin.state.requests][-3:] == [401, 200, 200]  # refused, token, retried


def test_routing_comes_before_auth_like_fastapi(standin):
    answer = requests.get(f"{standin.public_url}/no/such/path", timeout=5)

    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}
