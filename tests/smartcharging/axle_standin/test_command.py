"""`manage.py run_axle_standin`: refuses production, reads its options and environment, serves until stopped."""

import io
import threading

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from smartcharging.management.commands import run_axle_standin as command


def test_refuses_to_run_with_production_settings(settings):
    settings.SETTINGS_MODULE = "smartcharging.settings.production"

    with pytest.raises(CommandError, match="never runs in production"):
        call_command("run_axle_standin", "--port", "0")


def test_defaults_accept_the_platforms_own_credentials(settings, monkeypatch):
    for name in (command.ENV_PLATFORM_URL, command.ENV_CLIENT_ID, command.ENV_CLIENT_SECRET):
        monkeypatch.delenv(name, raising=False)

    config = command.build_config({})

    assert (config.username, config.password) == (settings.AXLE_USERNAME, settings.AXLE_PASSWORD)
    assert config.push.platform_url == "http://127.0.0.1:8000"
    assert config.push.ready is False  # no client credentials: plans are kept, not pushed


def test_push_settings_come_from_options_then_environment(monkeypatch):
    monkeypatch.setenv(command.ENV_PLATFORM_URL, "http://platform.local:9000")
    monkeypatch.setenv(command.ENV_CLIENT_ID, "from-env")
    monkeypatch.setenv(command.ENV_CLIENT_SECRET, "env-secret")

    config = command.build_config({"client_id": "from-option", "push_shape": "envelope", "credit_pence_per_kwh": 0.0})

    assert config.push.platform_url == "http://platform.local:9000"
    assert (config.push.client_id, config.push.client_secret) == ("from-option", "env-secret")
    assert config.push.shape == "envelope"
    assert config.credit_pence_per_kwh == 0.0
    assert "env-secret" not in repr(config)


def test_serves_until_stopped_and_keeps_its_state_file(monkeypatch, tmp_path):
    servers, real_serve = [], command.serve

    def capturing_serve(*args, **kwargs):
        servers.append(real_serve(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(command, "serve", capturing_serve)
    state_file = tmp_path / "standin.json"
    out = io.StringIO()
    thread = threading.Thread(
        target=call_command,
        args=("run_axle_standin", "--port", "0", "--state-file", str(state_file)),
        kwargs={"stdout": out},
        daemon=True,
    )
    thread.start()
    for _ in range(100):
        if servers:
            break
        thread.join(0.02)

    reset = requests.post(f"{servers[0].url}/_standin/reset", timeout=5)
    servers[0].shutdown()
    thread.join(5)

    assert reset.json() == {"reset": True}
    assert not thread.is_alive()
    assert state_file.exists()
    assert "Axle stand-in on http://127.0.0.1:" in out.getvalue()
    assert "not pushed" in out.getvalue()
