"""Secrets never reach the logs, even at DEBUG: each flow that carries one runs with the root logger at
DEBUG through the handler production configures (settings.LOGGING), and every line written is searched
for every secret, token and password the flow used or the deployment is configured with."""

import base64
import copy
import io
import logging
import logging.config
import re

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.core.cache import cache
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chargers.services.charger_passwords import charger_password_set
from smartcharging.services.axle_client_app import axle_client_issue
from tests.chargers.ocpp.conftest import charger_running, gateway_running
from tests.factories import AssetFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["as configured", "libraries uncapped"])
def log_lines(request, settings):
    """What production's handler writes with LOG_LEVEL=DEBUG, as text; the suite's logging restored after.

    Run twice: as configured, and with the chatty libraries let down to DEBUG, so the redacting filter
    is shown to hold on its own (a library added later, or a cap someone lowers).
    """
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"  # what LOG_LEVEL=DEBUG sets (the libraries' floors are above INFO anyway)
    if request.param == "libraries uncapped":
        config["loggers"] |= {
            name: {"level": "DEBUG"} for name in ("oauthlib", "oauth2_provider", "websockets", "ocpp")
        }
    logging.config.dictConfig(config)
    output = io.StringIO()
    for handler in logging.getLogger().handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(output)
    cache.clear()  # no failure counts or throttles left by another test
    logging.getLogger("tests.security").debug("DEBUG records are written")
    yield output
    logging.config.dictConfig(settings.LOGGING)


# Made before `log_lines` starts (factory_boy logs its calls, set_password's argument too, at DEBUG).
@pytest.fixture
def ann():
    return UserFactory(email="ann@example.com")


@pytest.fixture
def charger():
    return AssetFactory(ocpp_charge_point_id="cp-secret")


def assert_none_logged(output, secrets):
    written = output.getvalue()
    assert "DEBUG tests.security DEBUG records are written" in written, "not logging at DEBUG: this proves nothing"
    leaked = {name: value for name, value in secrets.items() if value in written}
    assert not leaked, f"secrets in the logs: {sorted(leaked)}\n{written}"


def configured(settings):
    return {"SECRET_KEY": settings.SECRET_KEY, "AXLE_PASSWORD": settings.AXLE_PASSWORD}


def test_axle_token_and_its_use_are_not_logged(client, settings, log_lines):
    credentials = axle_client_issue()
    basic = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
    issued = client.post(
        "/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    ).json()
    in_the_body = client.post(
        "/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    ).json()
    ping = client.get("/api/axle/v1/ping", HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}")
    refused = client.get("/api/axle/v1/ping", HTTP_AUTHORIZATION="Bearer a-guessed-token-that-is-no-token")

    assert ping.status_code == 200, ping.content
    assert refused.status_code == 401
    assert_none_logged(
        log_lines,
        configured(settings)
        | {
            "client secret": credentials.client_secret,
            "client credentials (HTTP Basic)": basic,
            "access token": issued["access_token"],
            "second access token": in_the_body["access_token"],
            "guessed token": "a-guessed-token-that-is-no-token",
        },
    )


def test_a_homeowners_password_sign_in_and_reset_are_not_logged(client, settings, ann, log_lines):
    wrong = client.post("/accounts/sign-in/", {"username": "ann@example.com", "password": "not-my-password-at-all"})
    signed_in = client.post("/accounts/sign-in/", {"username": "ann@example.com", "password": PASSWORD})
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/sign-out/")
    client.post("/accounts/password-reset/", {"email": "ann@example.com"})
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link, follow=True)
    new_password = "a brand new passphrase 7"
    reset = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )

    assert wrong.status_code == 200
    assert signed_in.status_code == 302
    assert "Your new password is set" in reset.content.decode()
    uid, token = link.strip("/").split("/")[-2:]
    assert_none_logged(
        log_lines,
        configured(settings)
        | {
            "password": PASSWORD,
            "wrong password": "not-my-password-at-all",
            "session key": session_key,
            "reset token": token,
            "reset link": f"{uid}/{token}",
            "new password": new_password,
        },
    )


def test_a_chargers_password_is_not_logged(settings, charger, log_lines):
    charger_password_set(charger, "the-chargers-own-password")
    wrong_basic = base64.b64encode(b"cp-secret:a-wrong-charger-password").decode()

    async def scenario():
        async with gateway_running() as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ocpp/cp-secret"
            try:
                async with connect(
                    url, subprotocols=["ocpp1.6"], additional_headers={"Authorization": f"Basic {wrong_basic}"}
                ):
                    pass
            except InvalidStatus as refused:
                refused_with = refused.response.status_code
            async with charger_running(gateway, charger, password="the-chargers-own-password"):
                return refused_with

    assert async_to_sync(scenario)() == 401
    assert "cp-secret connected" in log_lines.getvalue()  # the gateway's own INFO line came through
    assert_none_logged(
        log_lines,
        configured(settings)
        | {
            "password": "the-chargers-own-password",
            "basic credentials": base64.b64encode(b"cp-secret:the-chargers-own-password").decode(),
            "wrong password": "a-wrong-charger-password",
            "wrong basic credentials": wrong_basic,
        },
    )
