"""In production the API docs and schema are for staff signed in to the admin; locally they stay open.

Production settings fix who may read them when the views are imported, so this asks a process started
with them: a throwaway SQLite database, real requests through the test client (over HTTPS, as
production redirects anything else).
"""

import json

import pytest

from tests.test_settings import GOOD_ENV, manage

REQUESTS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.conf import settings
from django.test import Client, override_settings
from accounts.models import User

call_command("migrate", verbosity=0)


def signed_in(user):
    # A session as signing in leaves it (without the sign-in signals, which would need Redis).
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.save()
    client = Client(HTTP_HOST="smartcharging.example.com")
    client.cookies["sessionid"] = session.session_key
    return client


visitors = {
    "anyone": Client(HTTP_HOST="smartcharging.example.com"),
    "homeowner": signed_in(User.objects.create_user("ann@example.com", "a long passphrase")),
    "staff": signed_in(User.objects.create_user("ops@example.com", "a long passphrase", is_staff=True)),
}
# Static URLs without collectstatic's manifest (the page links Redoc's file; the test has not collected).
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    print(json.dumps({
        who: {path: client.get(path, secure=True).status_code for path in ("/api/docs/", "/api/schema/")}
        for who, client in visitors.items()
    }))
"""


@pytest.fixture
def production_answers(tmp_path):
    env = GOOD_ENV | {"DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}"}
    result = manage("shell", "--no-imports", "-c", REQUESTS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_serves_the_api_docs_and_schema_to_signed_in_staff_only(production_answers):
    assert production_answers == {
        "anyone": {"/api/docs/": 403, "/api/schema/": 403},
        "homeowner": {"/api/docs/": 403, "/api/schema/": 403},
        "staff": {"/api/docs/": 200, "/api/schema/": 200},
    }


def test_locally_the_api_docs_stay_open_for_the_demo(client):
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
