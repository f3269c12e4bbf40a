"""The gateway runs in the test's own event loop, its database work in the test's thread.

`async_to_sync` runs the scenario in a loop whose `sync_to_async(thread_sensitive=True)` calls come
back to this thread, so the gateway sees (and writes) the test's database transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from chargers.models import Asset
from chargers.ocpp.gateway import Gateway
from chargers.simulator.charger import SimulatedCharger
from chargers.simulator.models import A32, W7, ChargerModel
from smartcharging.models import EnrolmentStatus, Proposition
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.api.conftest import (  # noqa: F401  (fixtures)
    _fresh_throttle_history,
    axle_api,
    axle_credentials,
    axle_token,
    profile,
)


@asynccontextmanager
async def gateway_running(gateway_id: str = "test-gateway", **options: Any) -> AsyncIterator[Gateway]:
    options = {"response_timeout_s": 2.0, "command_poll_s": 0.02, "db_threads": 0, **options}
    gateway = Gateway(gateway_id=gateway_id, **options)
    await gateway.start("127.0.0.1", 0)
    try:
        yield gateway
    finally:
        await gateway.stop()


@asynccontextmanager
async def charger_running(
    gateway: Gateway, asset: Asset, model: ChargerModel = W7, **options: Any
) -> AsyncIterator[SimulatedCharger]:
    charger = SimulatedCharger(
        asset.ocpp_charge_point_id,
        model,
        f"ws://127.0.0.1:{gateway.port}/ocpp",
        reconnect_delay_s=(0.05, 0.2),
        **options,
    )
    charger.start()
    try:
        assert await charger.wait_booted(5), "the simulated charger did not boot"
        yield charger
    finally:
        await charger.stop()


@pytest.fixture
def smart_charger(db):
    """A W-only 7.4 kW single-phase charger at a site enrolled in Smart Charging."""
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), rated_power_kw="7.4", phases=1, ocpp_charge_point_id="cp-w7")
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return asset


@pytest.fixture
def three_phase_charger(db):
    asset = AssetFactory(
        axle_asset_id=uuid.uuid4(), rated_power_kw="22", phases=3, max_current_a=32, ocpp_charge_point_id="cp-a32"
    )
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return asset


__all__ = ["A32", "W7", "charger_running", "gateway_running"]
