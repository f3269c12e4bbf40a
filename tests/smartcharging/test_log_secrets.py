"""The redacting log filter and the logging configuration that routes every record through it."""

import io
import logging
import logging.config
import sys

import pytest

from smartcharging.celery import app
from smartcharging.log_secrets import RedactSecrets, library_levels, redact


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (  # websockets' handshake at DEBUG
            "< Authorization: Basic Y3Atc2VjcmV0OnRoZS1jaGFyZ2Vycy1vd24tcGFzc3dvcmQ=",
            "< Authorization: Basic [redacted]",
        ),
        ("{'HTTP_AUTHORIZATION': 'Bearer abc.def'}", "{'HTTP_AUTHORIZATION': 'Bearer [redacted]'}"),
        ("retrying with Bearer 8Jf0Kq2mZx9Lr4Tb7Wc1", "retrying with Bearer [redacted]"),
        (  # oauthlib's "Issuing token" at DEBUG
            "{'access_token': 'tok123456', 'expires_in': 3600, 'token_type': 'Bearer', 'scope': 'schedules:write'}",
            "{'access_token': '[redacted]', 'expires_in': 3600, 'token_type': 'Bearer', 'scope': 'schedules:write'}",
        ),
        (
            "grant_type=client_credentials&client_id=abc&client_secret=s3cr3t",
            "grant_type=client_credentials&client_id=abc&client_secret=[redacted]",
        ),
        (
            "csrfmiddlewaretoken=abcdef&username=ann%40example.com&password=correct+horse",
            "csrfmiddlewaretoken=[redacted]&username=ann%40example.com&password=[redacted]",
        ),
        ('{"new_password1": "x y z", "other": 1}', '{"new_password1": "[redacted]", "other": 1}'),
        ("User(password='a b c', name='x')", "User(password='[redacted]', name='x')"),
        (
            "Error 111 connecting to redis://:pa55word@cache:6379/0",
            "Error 111 connecting to redis://:[redacted]@cache:6379/0",
        ),
        (  # runserver's request line for a password-reset link
            '"GET /accounts/reset/MQ/c8x-1234abcd/ HTTP/1.1" 302 0',
            '"GET /accounts/reset/[redacted]/ HTTP/1.1" 302 0',
        ),
        ('"GET /accounts/invitation/abcdEFG123/ HTTP/1.1" 200', '"GET /accounts/invitation/[redacted]/ HTTP/1.1" 200'),
    ],
)
def test_credential_shapes_are_redacted(line, logged):
    assert redact(line, []) == logged


@pytest.mark.parametrize(
    "prose",
    [
        "Basic authentication failed",
        'cp-secret: send [2,"x","BootNotification",{}]',  # a charger whose id ends in "secret"
        "Token revocation valid for <oauthlib.Request SANITIZED>.",
        "Refused a connection: Wrong password for charge point 'cp-1'.",
        "{'token_type': 'Bearer', 'password_reset_timeout': 3600}",
    ],
)
def test_prose_and_harmless_names_are_left_alone(prose):
    assert redact(prose, []) == prose


def test_a_configured_secret_is_redacted_wherever_it_appears(settings):
    settings.AXLE_PASSWORD = "an-axle-password-123"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "logging in with %s", ("an-axle-password-123",), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "logging in with [redacted]"


def test_a_traceback_is_redacted_too():
    try:
        raise ValueError("bad form: password=hunter2hunter2")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    RedactSecrets().filter(record)
    assert "password=[redacted]" in record.exc_text
    assert "hunter2hunter2" not in logging.Formatter().format(record)


def test_every_record_goes_through_the_one_redacting_handler(settings):
    logging.config.dictConfig(settings.LOGGING)
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert any(isinstance(f, RedactSecrets) for f in console.filters)
    # Django's own handlers (console when DEBUG, runserver's request lines) would print around it.
    for name in ("django", "django.server", "django.request"):
        assert logging.getLogger(name).handlers == []
        assert logging.getLogger(name).propagate


def test_runserver_request_lines_are_redacted(settings):
    logging.config.dictConfig(settings.LOGGING)
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    output = io.StringIO()
    console.setStream(output)
    try:
        logging.getLogger("django.server").info('"%s" %s %s', "GET /accounts/reset/MQ/c8x-1234abcd/ HTTP/1.1", 302, 0)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert '"GET /accounts/reset/[redacted]/ HTTP/1.1" 302 0' in output.getvalue()


def test_a_celery_worker_keeps_the_redacting_handler(settings, monkeypatch):
    monkeypatch.setattr(type(app.log), "_setup", False)  # as in a fresh worker process
    logging.getLogger().handlers.clear()
    app.log.setup(loglevel="DEBUG")  # what a worker does at start: Celery would install its own root handler
    try:
        assert any(isinstance(f, RedactSecrets) for handler in logging.getLogger().handlers for f in handler.filters)
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.parametrize(
    ("log_level", "expected"),
    [
        ("DEBUG", {"oauthlib": "WARNING", "oauth2_provider": "INFO", "websockets": "INFO", "ocpp": "WARNING"}),
        ("info", {"oauthlib": "WARNING", "oauth2_provider": "INFO", "websockets": "INFO", "ocpp": "WARNING"}),
        ("ERROR", {"oauthlib": "ERROR", "oauth2_provider": "ERROR", "websockets": "ERROR", "ocpp": "ERROR"}),
    ],
)
def test_chatty_libraries_never_log_below_their_floor(log_level, expected):
    assert {name: entry["level"] for name, entry in library_levels(log_level).items()} == expected


def test_an_unknown_log_level_is_named():
    with pytest.raises(ValueError, match="LOG_LEVEL is 'verbose': it must be DEBUG, INFO, WARNING, ERROR or CRITICAL"):
        library_levels("verbose")
