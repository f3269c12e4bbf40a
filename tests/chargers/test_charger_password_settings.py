"""Production requires its own pepper for charger passwords, and requires every charger to have one."""

from __future__ import annotations

import pytest

from tests.test_settings import GOOD_ENV, manage

SHOW = "from django.conf import settings; print(settings.OCPP_REQUIRE_PASSWORD)"


@pytest.mark.parametrize(
    "pepper",
    ["", "too-short-pepper", GOOD_ENV["DJANGO_SECRET_KEY"]],
    ids=["missing", "short", "the-secret-key"],
)
def test_production_refuses_to_start_without_a_pepper_of_its_own(pepper):
    result = manage("check", env=GOOD_ENV | {"OCPP_PASSWORD_PEPPER": pepper})
    assert result.returncode != 0
    assert "Set OCPP_PASSWORD_PEPPER to a random string of at least 32 characters" in result.stderr


def test_production_requires_a_password_of_every_charger_unless_told_otherwise():
    assert manage("shell", "-c", SHOW, env=GOOD_ENV).stdout.split()[-1] == "True"
    assert manage("shell", "-c", SHOW, env=GOOD_ENV | {"OCPP_REQUIRE_PASSWORD": ""}).stdout.split()[-1] == "True"
    assert manage("shell", "-c", SHOW, env=GOOD_ENV | {"OCPP_REQUIRE_PASSWORD": "false"}).stdout.split()[-1] == "False"


def test_locally_chargers_without_a_password_are_admitted_so_the_demo_runs(settings):
    assert settings.OCPP_REQUIRE_PASSWORD is False
    assert len(settings.OCPP_PASSWORD_PEPPER) >= 32  # derived from SECRET_KEY
