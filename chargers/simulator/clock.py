"""Simulated time: the real clock, optionally sped up so a demo night passes in minutes.

Every timestamp a simulated charger sends, and every interval it waits (heartbeat, meter values, boot retry),
is in this clock's time, so what the central system sees is consistent with itself at any speed.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = start or datetime.now(UTC)
        self._started = time.monotonic()  # monotonic: a wall-clock jump must not move simulated time backwards

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._started) * self.speed)

    def real_seconds(self, simulated_seconds: float) -> float:
        return max(0.0, simulated_seconds / self.speed)

    async def sleep(self, simulated_seconds: float) -> None:
        await asyncio.sleep(self.real_seconds(simulated_seconds))
