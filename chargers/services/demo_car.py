"""The local demo's simulated car: plugging it in and out through the charger simulator's control API.

Only when DEMO_SIMULATOR_URL is set (the one-command local run sets it); production never has it.
"""

from __future__ import annotations

from typing import Literal

import requests
from django.conf import settings

from chargers.models import Asset

Action = Literal["plug-in", "unplug"]


class DemoCarUnavailable(Exception):
    """The simulator did not do it; the message says why, for the homeowner's page."""


def demo_car_enabled() -> bool:
    return bool(settings.DEMO_SIMULATOR_URL)


def demo_car(asset: Asset, action: Action) -> None:
    """Ask the simulator to plug the car into (or out of) this charger."""
    if not demo_car_enabled():
        raise DemoCarUnavailable("There is no simulated car here: this is not the local demo.")
    url = f"{settings.DEMO_SIMULATOR_URL.rstrip('/')}/chargers/{asset.ocpp_charge_point_id}/{action}"
    try:
        response = requests.post(url, json={}, timeout=5)
    except requests.RequestException as error:
        raise DemoCarUnavailable("The charger simulator is not answering; is `make run` still running?") from error
    if response.status_code == 409:
        already = "plugged in" if action == "plug-in" else "unplugged"
        raise DemoCarUnavailable(f"The simulated car is already {already}.")
    if response.status_code == 404:
        raise DemoCarUnavailable("The simulator does not run this charger.")
    if response.status_code >= 400:
        raise DemoCarUnavailable(f"The simulator answered {response.status_code}: {response.text[:200]}")
