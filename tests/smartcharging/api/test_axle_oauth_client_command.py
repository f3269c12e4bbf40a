"""`manage.py axle_oauth_client`: Axle's credentials printed once; rotation revokes the old ones."""

import base64
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def issue(*args):
    out = StringIO()
    call_command("axle_oauth_client", *args, stdout=out)
    text = out.getvalue()
    return re.search(r"client_id:\s+(\S+)", text)[1], re.search(r"client_secret:\s+(\S+)", text)[1]


def token(client_id, secret):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return APIClient().post("/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_created_once_then_rotated_and_the_old_secret_and_tokens_stop_working():
    client_id, secret = issue()
    first = token(client_id, secret)
    assert first.status_code == 200
    assert first.json()["scope"] == "schedules:write"
    assert first.json()["expires_in"] == 3600  # tokens expire
    with pytest.raises(CommandError, match="use --rotate"):
        issue()
    same_id, new_secret = issue("--rotate")
    assert same_id == client_id
    assert new_secret != secret
    assert token(client_id, secret).status_code == 401
    old_bearer = {"HTTP_AUTHORIZATION": f"Bearer {first.json()['access_token']}"}
    assert APIClient().get("/api/axle/v1/ping", **old_bearer).status_code == 401
    assert token(client_id, new_secret).status_code == 200
