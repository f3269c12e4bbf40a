"""Rows the pages read, built as the gateway and the receiver would leave them."""

from __future__ import annotations

import html
import re

from chargers.models import ChargerState
from smartcharging.models import ChargingSchedule, ScheduleShape, ScheduleSource

NO_LIMIT_W = 99999.0


def text(response) -> str:
    """The page's words as a reader sees them: no tags, entities decoded, spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())  # \s below also folds no-break spaces
    return re.sub(r"\s+", " ", html.unescape(words)).replace(" .", ".").replace(" ,", ",")


def charger_state(asset, *, status="Available", connected=True, **fields):
    return ChargerState.objects.update_or_create(
        asset=asset,
        defaults={"connected": connected, "connector_status": status, **fields},
    )[0]


def axle_example_schedule(asset, *, start, source=ScheduleSource.AXLE, **fields):
    """Axle's documented example profile starting at `start`: paused 1.5 h, full power 6 h, then paused.

    Stored as the receiver stores it (the fields the pages read); the example itself starts
    2026-04-14T22:00Z, so charging runs 23:30-05:30 UTC.
    """
    periods = [
        {"start_period_s": 0, "limit": 0.0, "number_phases": 1},
        {"start_period_s": 5400, "limit": NO_LIMIT_W, "number_phases": 1},
        {"start_period_s": 27000, "limit": 0.0, "number_phases": 1},
    ]
    return ChargingSchedule.objects.create(
        asset=asset,
        source=source,
        shape=ScheduleShape.PROFILE,
        profile_sha256=f"example-{start.isoformat()}",
        raw_payload={},
        stack_level=1100,
        purpose="TxProfile",
        kind="Absolute",
        rate_unit="W",
        start_schedule=start,
        duration_s=32400,
        min_charging_rate=0.0,
        periods=periods,
        **fields,
    )
