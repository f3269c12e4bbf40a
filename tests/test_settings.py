"""Production refuses to start half-configured, and is `check --deploy` clean when configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_ENV = {
    "DJANGO_SECRET_KEY": "x" * 20 + "-a-real-random-production-secret-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "smartcharging.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "AXLE_BASE_URL": "https://api-sandbox.axle.energy",
    "AXLE_USERNAME": "operator",
    "AXLE_PASSWORD": "secret",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXLE_", "DATABASE_", "REDIS_"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "smartcharging.settings.production", **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "AXLE_PASSWORD"])
def test_production_refuses_to_start_without(missing):
    result = manage("check", env={k: v for k, v in GOOD_ENV.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", env=GOOD_ENV | {"DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr
