"""Production refuses to start half-configured, is `check --deploy` clean when configured, and is what
every entry point (manage.py, wsgi, asgi, Celery) runs unless a settings module is named."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.smtp_sink import smtp_sink

ROOT = Path(__file__).resolve().parents[1]
GOOD_ENV = {
    "DJANGO_SECRET_KEY": "x" * 20 + "-a-real-random-production-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "smartcharging.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "AXLE_BASE_URL": "https://api-sandbox.axle.energy",
    "AXLE_USERNAME": "operator",
    "AXLE_PASSWORD": "secret",
    "EMAIL_URL": "smtp+tls://mailer:mail-password@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "Smart Charging <noreply@smartcharging.example.com>",
    "OCPP_PASSWORD_PEPPER": "a-random-pepper-for-charger-passwords-0123456789",
    "TRUSTED_PROXY_COUNT": "1",
}


PRODUCTION = "smartcharging.settings.production"


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python *args` in the repository with only `env` of the settings' variables (no DJANGO_SETTINGS_MODULE
    unless `env` names one: pytest's own is dropped)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXLE_", "DATABASE_", "REDIS_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return python("manage.py", *args, env={"DJANGO_SETTINGS_MODULE": PRODUCTION, **env})


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "AXLE_PASSWORD",
        "EMAIL_URL",
        "DEFAULT_FROM_EMAIL",
        "TRUSTED_PROXY_COUNT",
    ],
)
def test_production_refuses_to_start_without(missing):
    result = manage("check", env={k: v for k, v in GOOD_ENV.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", env=GOOD_ENV | {"DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("consolemail://", "printed to stdout"),
        ("memorymail://", "kept in the process's memory"),
        ("dummymail://", "thrown away"),
        ("filemail:///var/tmp/mail", "written to files"),
    ],
)
def test_production_refuses_an_email_backend_that_never_delivers(url, where):
    result = manage("check", env=GOOD_ENV | {"EMAIL_URL": url})
    assert result.returncode != 0
    assert where in result.stderr
    assert "production needs a mail server, e.g. smtp+tls://" in result.stderr


def test_production_refuses_a_sender_that_is_not_an_address():
    result = manage("check", env=GOOD_ENV | {"DEFAULT_FROM_EMAIL": "Smart Charging"})
    assert result.returncode != 0
    assert "DEFAULT_FROM_EMAIL is 'Smart Charging': it must be an e-mail address" in result.stderr


def test_production_emails_through_the_mail_server_and_prints_nothing():
    """What a password reset does in production: the mail goes to EMAIL_URL's server, not to stdout."""
    with smtp_sink() as sink:
        result = manage(
            "sendtestemail", "ann@example.com", env=GOOD_ENV | {"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        )
    assert result.returncode == 0, result.stderr
    [message] = sink.messages
    assert "To: ann@example.com" in message
    assert "From: Smart Charging <noreply@smartcharging.example.com>" in message
    assert "ann@example.com" not in result.stdout + result.stderr


def test_check_deploy_names_an_email_backend_that_never_delivers():
    result = python("manage.py", "check", "--deploy", env={"DJANGO_SETTINGS_MODULE": "smartcharging.settings.base"})
    assert result.returncode != 0
    assert "(smartcharging.E001) EMAIL_BACKEND: e-mails sent through django.core.mail.backends.console" in result.stderr
    assert "HINT: Set EMAIL_URL to the mail server" in result.stderr


# Each entry point, started as a deployment would start it, printing the settings module it ran with.
PRINT_SETTINGS = "from django.conf import settings; print('settings:', settings.SETTINGS_MODULE)"
ENTRY_POINTS = {
    "manage.py": ["manage.py", "shell", "--no-imports", "-c", PRINT_SETTINGS],
    "wsgi": ["-c", f"import smartcharging.wsgi; {PRINT_SETTINGS}"],
    "asgi": ["-c", f"import smartcharging.asgi; {PRINT_SETTINGS}"],
    "celery": ["-c", "from smartcharging.celery import app; print('settings:', app.conf.SETTINGS_MODULE)"],
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_an_entry_point_without_a_settings_module_refuses_to_start_without_production_secrets(entry_point):
    result = python(*ENTRY_POINTS[entry_point], env={})
    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr
    # ...and tells a developer how to run locally instead.
    assert "DJANGO_SETTINGS_MODULE=smartcharging.settings.base" in result.stderr


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_an_entry_point_without_a_settings_module_runs_production(entry_point):
    result = python(*ENTRY_POINTS[entry_point], env=GOOD_ENV)
    assert result.returncode == 0, result.stderr
    assert f"settings: {PRODUCTION}" in result.stdout


def test_a_named_settings_module_still_wins():
    result = python(*ENTRY_POINTS["manage.py"], env={"DJANGO_SETTINGS_MODULE": "smartcharging.settings.base"})
    assert result.returncode == 0, result.stderr
    assert "settings: smartcharging.settings.base" in result.stdout
