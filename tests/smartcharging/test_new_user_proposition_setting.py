"""The proposition new households join is the operator's choice, and a wrong one stops startup."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check(value: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NEW_USER_PROPOSITION"}
    env |= {"DJANGO_SETTINGS_MODULE": "smartcharging.settings.test", "NEW_USER_PROPOSITION": value}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("value", ["full_asset_schedule_control", "limited_pause"])
def test_either_proposition_is_accepted(value):
    result = check(value)
    assert result.returncode == 0, result.stderr


def test_anything_else_refuses_to_start_and_says_why():
    result = check("smart_charging")
    assert result.returncode != 0
    assert "NEW_USER_PROPOSITION is 'smart_charging'" in result.stderr
    assert "full_asset_schedule_control (Smart Charging) or limited_pause (Flex Lite)" in result.stderr


def test_smart_charging_is_the_default():
    env = {k: v for k, v in os.environ.items() if k != "NEW_USER_PROPOSITION"}
    env["DJANGO_SETTINGS_MODULE"] = "smartcharging.settings.test"
    code = "from django.conf import settings; print(settings.NEW_USER_PROPOSITION)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "full_asset_schedule_control", result.stderr
