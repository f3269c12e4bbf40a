"""Axle's door is Axle's alone: the attack of issue 18 replayed through real requests, and shut.

A signed-in homeowner once registered an OAuth2 application at /oauth/applications/register/, got a
token with schedules:write (then the default scope) and pushed a schedule to another household's
charger. Now only the token and revocation endpoints are routed, only Axle's applications get the
schedules scope, only their tokens reach the schedule API, and guessing a secret is cooled off.
"""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from accounts.models import User
from smartcharging.models import ChargingSchedule
from smartcharging.services.axle_client_app import axle_client_issue
from tests.factories import UserFactory
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db

ROGUE_SECRET = "a-rogue-client-secret-of-decent-length"


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(client_id, secret, address="127.0.0.1", **data):
    return APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", **data},
        HTTP_AUTHORIZATION=basic(client_id, secret),
        REMOTE_ADDR=address,
    )


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def rogue_application():
    """Not Axle's: what a homeowner once registered, here made directly in the database."""
    return Application.objects.create(
        name="Axle Energy",  # the name proves nothing
        client_id="rogue-client",
        client_secret=ROGUE_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/oauth/applications/register/",
        "/oauth/applications/",
        "/oauth/authorize/",
        "/oauth/authorized_tokens/",
        "/oauth/introspect/",
        "/oauth/register/",
        "/oauth/.well-known/oauth-authorization-server",
    ],
)
def test_a_signed_in_homeowner_finds_no_oauth_management_page(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404
    assert client.post(path, {"name": "mine", "client_type": "confidential"}).status_code == 404
    assert not Application.objects.exists()


def test_another_applications_token_gets_no_scope_and_is_refused_at_the_schedule_api_and_ping(
    rogue_application, smart_asset, profile
):
    issued = token_request("rogue-client", ROGUE_SECRET)
    assert issued.status_code == 200, issued.content
    assert issued.json()["scope"] == ""  # no default scope grants schedules:write any more
    rogue = bearer(issued.json()["access_token"])

    pushed = rogue.post(url(smart_asset), profile, format="json")
    assert pushed.status_code == 403
    assert "not Axle's" in pushed.json()["detail"]
    assert rogue.get("/api/axle/v1/ping").status_code == 403
    assert not ChargingSchedule.objects.exists()


def test_another_application_cannot_ask_for_the_schedules_scope(rogue_application):
    refused = token_request("rogue-client", ROGUE_SECRET, scope="schedules:write")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()


def test_another_applications_token_is_refused_whatever_its_scope(rogue_application, smart_asset, profile):
    AccessToken.objects.create(
        application=rogue_application,
        token="rogue-token-with-the-scope",
        scope="schedules:write",  # as issued before this change, when schedules:write was the default
        expires=timezone.now() + timedelta(hours=1),
    )
    rogue = bearer("rogue-token-with-the-scope")
    assert rogue.post(url(smart_asset), profile, format="json").status_code == 403
    assert rogue.get("/api/axle/v1/ping").status_code == 403


@pytest.mark.parametrize(
    ("grant", "data"),
    [
        (Application.GRANT_PASSWORD, {"grant_type": "password", "username": "ann@example.com", "password": "x"}),
        (Application.GRANT_AUTHORIZATION_CODE, {"grant_type": "authorization_code", "code": "x"}),
        (Application.GRANT_CLIENT_CREDENTIALS, {"grant_type": "refresh_token", "refresh_token": "x"}),
    ],
)
def test_only_the_client_credentials_grant_is_issued(grant, data):
    Application.objects.create(
        name="other",
        client_id="other-client",
        client_secret=ROGUE_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant,
        redirect_uris="https://example.com/cb",
    )
    User.objects.create_user("ann@example.com", "x")
    answer = APIClient().post("/oauth/token/", data, HTTP_AUTHORIZATION=basic("other-client", ROGUE_SECRET))
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "unsupported_grant_type",
        "error_description": "This server issues tokens only for grant_type=client_credentials.",
    }
    assert not AccessToken.objects.exists()


def test_axles_client_works_end_to_end_without_asking_for_a_scope(smart_asset, profile):
    axle = axle_client_issue()
    issued = token_request(axle.client_id, axle.client_secret)
    assert issued.status_code == 200, issued.content
    assert issued.json()["scope"] == "schedules:write"
    pushed = bearer(issued.json()["access_token"]).post(url(smart_asset), profile, format="json")
    assert pushed.status_code == 202, pushed.content
    assert ChargingSchedule.objects.get().asset == smart_asset


@pytest.fixture
def three_failures_allowed(settings):
    settings.OAUTH_TOKEN_MAX_FAILURES = 3
    settings.OAUTH_TOKEN_COOL_OFF_S = 600


def test_guessing_a_clients_secret_is_cooled_off_even_for_the_right_secret(three_failures_allowed):
    axle = axle_client_issue()
    wrong = [token_request(axle.client_id, f"guess-{n}", address=f"10.0.0.{n}").status_code for n in range(3)]
    assert wrong == [401, 401, 401]
    refused = token_request(axle.client_id, axle.client_secret, address="10.0.0.99")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    assert refused.json() == {
        "error": "too_many_attempts",
        "error_description": "Too many failed attempts; try again in 600 seconds.",
    }
    with time_machine.travel(timedelta(seconds=601)):
        assert token_request(axle.client_id, axle.client_secret, address="10.0.0.99").status_code == 200


def test_one_address_guessing_many_clients_is_cooled_off(three_failures_allowed):
    axle = axle_client_issue()
    for n in range(3):
        assert token_request(f"made-up-{n}", "guess", address="192.0.2.7").status_code == 401
    assert token_request(axle.client_id, axle.client_secret, address="192.0.2.7").status_code == 429
    assert token_request(axle.client_id, axle.client_secret, address="192.0.2.8").status_code == 200


def test_behind_a_load_balancer_the_address_it_saw_is_counted(three_failures_allowed, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    axle = axle_client_issue()

    def through_balancer(client_id, secret, seen):
        return APIClient().post(
            "/oauth/token/",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=basic(client_id, secret),
            HTTP_X_FORWARDED_FOR=f"198.51.100.1, {seen}",  # the client wrote the first; the balancer the last
            REMOTE_ADDR="10.0.0.2",
        )

    for n in range(3):
        assert through_balancer(f"made-up-{n}", "guess", seen="203.0.113.5").status_code == 401
    assert through_balancer(axle.client_id, axle.client_secret, seen="203.0.113.5").status_code == 429
    assert through_balancer(axle.client_id, axle.client_secret, seen="203.0.113.6").status_code == 200


def test_a_success_clears_the_clients_failures(three_failures_allowed):
    axle = axle_client_issue()
    for round_ in range(2):
        for n in range(2):
            assert token_request(axle.client_id, "wrong", address=f"10.{round_}.0.{n}").status_code == 401
        assert token_request(axle.client_id, axle.client_secret, address="10.9.9.9").status_code == 200


def test_revocation_checks_the_secret_too_and_is_cooled_off_alike(three_failures_allowed):
    axle = axle_client_issue()
    issued = token_request(axle.client_id, axle.client_secret).json()["access_token"]
    revoke = {"token": issued}
    guesses = [
        APIClient().post("/oauth/revoke_token/", revoke, HTTP_AUTHORIZATION=basic(axle.client_id, "wrong")).status_code
        for _ in range(3)
    ]
    assert guesses == [401, 401, 401]
    refused = APIClient().post(
        "/oauth/revoke_token/", revoke, HTTP_AUTHORIZATION=basic(axle.client_id, axle.client_secret)
    )
    assert refused.status_code == 429
    assert bearer(issued).get("/api/axle/v1/ping").status_code == 200  # not revoked by a refused request
