"""The local demo's "plug the simulated car in" buttons, against a real charger simulator process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.chargers.simulator.test_fleet_and_command import free_port
from tests.pages.builders import text

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulator(asset):
    """`simulate_chargers` running the homeowner's charger (no gateway: it stays offline, which is fine)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "simulate_chargers", "--url", "ws://127.0.0.1:1/ocpp",
         "--ids", asset.ocpp_charge_point_id, "--control-port", str(port)],
        cwd=REPO, env=os.environ | {"DJANGO_SETTINGS_MODULE": "smartcharging.settings.test"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(f"{url}/chargers", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_buttons_only_show_in_the_local_demo(signed_in, asset, settings):
    settings.DEMO_SIMULATOR_URL = ""
    assert "Plug the car in" not in text(signed_in.get("/"))
    settings.DEMO_SIMULATOR_URL = "http://127.0.0.1:9100"
    assert "Plug the car in" in text(signed_in.get("/"))


def test_plugging_the_simulated_car_in_and_out(signed_in, asset, settings, simulator):
    settings.DEMO_SIMULATOR_URL = simulator
    path = f"/chargers/{asset.pk}/demo-car"
    page = text(signed_in.post(f"{path}/plug-in/", {"next": "/"}, follow=True))
    assert "Simulated car plugged in" in page
    state = requests.get(f"{simulator}/chargers/{asset.ocpp_charge_point_id}", timeout=5).json()
    assert state["status"] != "Available"  # the simulator has the car now
    assert "The simulated car is already plugged in." in text(signed_in.post(f"{path}/plug-in/", follow=True))
    assert "Simulated car unplugged." in text(signed_in.post(f"{path}/unplug/", follow=True))


def test_a_simulator_that_is_not_running_is_said_in_words(signed_in, asset, settings):
    settings.DEMO_SIMULATOR_URL = f"http://127.0.0.1:{free_port()}"
    page = text(signed_in.post(f"/chargers/{asset.pk}/demo-car/plug-in/", follow=True))
    assert "The charger simulator is not answering" in page


def test_another_households_charger_is_not_found(signed_in, neighbour_asset, settings):
    settings.DEMO_SIMULATOR_URL = "http://127.0.0.1:9100"
    assert signed_in.post(f"/chargers/{neighbour_asset.pk}/demo-car/plug-in/").status_code == 404
