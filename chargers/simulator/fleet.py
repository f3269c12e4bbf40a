"""Many simulated chargers in one asyncio loop, with an optional daily timetable of plug-ins and plug-outs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chargers.simulator.charger import SimulatedCharger
from chargers.simulator.clock import SimClock


@dataclass(frozen=True)
class CarSpec:
    """The car every timetabled or on-demand plug-in brings, unless told otherwise."""

    max_kw: float = 7.4
    battery_kwh: float = 60.0
    soc: float = 0.3


@dataclass(frozen=True)
class Timetable:
    """Cars arrive at `plug_in_at` and leave at `unplug_at`, local wall-clock times, every day."""

    plug_in_at: time
    unplug_at: time
    zone: ZoneInfo

    def plugged_in_at(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone).time()
        if self.plug_in_at <= self.unplug_at:
            return self.plug_in_at <= local < self.unplug_at
        return local >= self.plug_in_at or local < self.unplug_at  # overnight: 22:00 to 07:00

    def next_change(self, instant: datetime) -> datetime:
        today = instant.astimezone(self.zone).date()
        candidates = (
            datetime.combine(today + timedelta(days=days), moment, tzinfo=self.zone)
            for days in range(3)
            for moment in (self.plug_in_at, self.unplug_at)
        )
        return min(candidate for candidate in candidates if candidate > instant)


class Fleet:
    def __init__(
        self,
        chargers: list[SimulatedCharger],
        clock: SimClock,
        car: CarSpec | None = None,
        timetable: Timetable | None = None,
    ) -> None:
        self.chargers = {charger.charge_point_id: charger for charger in chargers}
        self.clock = clock
        self.car = car or CarSpec()
        self.timetable = timetable

    async def run(self, stop: asyncio.Event, *, plug_in_now: bool = False, ramp_up_s: float = 0.0) -> None:
        """Start every charger (spread over `ramp_up_s` real seconds), each with a car if `plug_in_now`; follow the
        timetable until `stop` is set."""
        pause = ramp_up_s / len(self.chargers) if self.chargers else 0.0
        for charger in self.chargers.values():
            if plug_in_now:
                # The car is there before the charger connects, so it reports the car as it boots: a fleet
                # comes up with its cars' plug-ins spread over the ramp, not all at once when it ends.
                await self.plug_in(charger)
            charger.start()
            if pause:
                await asyncio.sleep(pause)
        follower = asyncio.create_task(self._follow(self.timetable)) if self.timetable else None
        try:
            await stop.wait()
        finally:
            if follower is not None:
                follower.cancel()
            await asyncio.gather(*(charger.stop() for charger in self.chargers.values()))

    async def plug_in(self, charger: SimulatedCharger, car: CarSpec | None = None) -> None:
        car = car or self.car
        await charger.plug_in(car_max_kw=car.max_kw, battery_kwh=car.battery_kwh, soc=car.soc)

    async def plug_in_all(self) -> None:
        await asyncio.gather(*(self.plug_in(c) for c in self.chargers.values() if c.engine.car is None))

    async def unplug_all(self) -> None:
        await asyncio.gather(*(c.unplug() for c in self.chargers.values() if c.engine.car is not None))

    async def _follow(self, timetable: Timetable) -> None:
        while True:
            now = self.clock.now()
            if timetable.plugged_in_at(now):
                await self.plug_in_all()
            else:
                await self.unplug_all()
            change = timetable.next_change(now)
            await self.clock.sleep((change - self.clock.now()).total_seconds() + 1)  # +1 s: land past the edge
