"""`manage.py simulate_chargers`: simulated OCPP 1.6J home chargers connecting to the gateway, in one loop.

A client of the gateway: it needs no database, and runs no system checks, so it starts the same against a
local gateway, a staging one, or a test's. One line is printed per charger event; meter readings too with
-v 2, and every OCPP frame with -v 3.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chargers.simulator.charger import SimulatedCharger
from chargers.simulator.clock import SimClock
from chargers.simulator.control import serve_control
from chargers.simulator.fleet import CarSpec, Fleet, Timetable
from chargers.simulator.models import MODELS


class Command(BaseCommand):
    help = "Run simulated OCPP 1.6J home chargers against a central system (the gateway). Ctrl-C stops them."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="the gateway, e.g. ws://127.0.0.1:9000/ocpp (/<id> added)")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument(
            "--ids",
            type=_ids,
            help="comma-separated charge point ids, each with an optional :model (chg1,chg2:a32)",
        )
        who.add_argument("--count", type=int, help="this many chargers, named <prefix>1 ... <prefix>N")
        parser.add_argument("--prefix", default="sim-", help="with --count (default: sim-)")
        parser.add_argument("--model", choices=sorted(MODELS), default="w7", help="charger preset (default: w7)")
        parser.add_argument("--password", help="HTTP Basic password (user: the charge point id)")
        parser.add_argument("--plug-in-at", type=_clock_time, help="daily local time the cars arrive, e.g. 22:00")
        parser.add_argument("--unplug-at", type=_clock_time, help="daily local time the cars leave, e.g. 07:00")
        parser.add_argument(
            "--timezone", default=settings.SITE_DEFAULT_TIMEZONE, help="of the timetable (default: %(default)s)"
        )
        parser.add_argument("--plug-in-now", action="store_true", help="every charger has a car from the start")
        parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
        parser.add_argument("--meter-interval", type=int, help="MeterValueSampleInterval, simulated seconds")
        parser.add_argument("--control-port", type=int, help="serve the HTTP control API on 127.0.0.1:<port>")
        parser.add_argument("--car-kw", type=float, default=7.4, help="the cars' maximum charging power")
        parser.add_argument("--battery-kwh", type=float, default=60.0)
        parser.add_argument("--soc", type=float, default=0.3, help="state of charge on arrival, 0 to 1")
        parser.add_argument("--id-tag", default="SIMULATED", help="the idTag the cars authorise with")
        parser.add_argument("--ramp-up", type=float, default=0.0, help="real seconds over which to spread connecting")

    def handle(self, *args: Any, **options: Any) -> None:
        if (options["plug_in_at"] is None) != (options["unplug_at"] is None):
            raise CommandError("--plug-in-at and --unplug-at go together")
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive")
        try:
            zone = ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CommandError(f"unknown timezone {options['timezone']!r}") from error
        ids = options["ids"] or [f"{options['prefix']}{n}" for n in range(1, options["count"] + 1)]
        models = {}
        for entry in ids:
            charge_point_id, _, model = entry.partition(":")
            if (model or options["model"]) not in MODELS:
                raise CommandError(f"unknown model {model!r} for {charge_point_id}; known: {', '.join(sorted(MODELS))}")
            models[charge_point_id] = MODELS[model or options["model"]]
        if not ids:
            raise CommandError("no chargers to simulate")
        clock = SimClock(speed=options["speed"])
        verbosity = options["verbosity"]
        if verbosity < 3:  # the event lines below say it all; -v 3 adds every OCPP frame
            for name in ("ocpp", "websockets", "chargers.simulator"):
                logging.getLogger(name).setLevel(logging.WARNING)
        else:  # the simulator's own frames, asked for: LOGGING holds ocpp above its frames for the product
            logging.getLogger("ocpp").setLevel(logging.INFO)

        def print_event(charger: SimulatedCharger, kind: str, message: str) -> None:
            if kind != "meter" or verbosity >= 2:
                self.stdout.write(f"{clock.now():%Y-%m-%d %H:%M:%S}Z {charger.charge_point_id} {message}")

        chargers = [
            SimulatedCharger(
                charge_point_id,
                model,
                options["url"],
                password=options["password"],
                clock=clock,
                id_tag=options["id_tag"],
                meter_interval_s=options["meter_interval"],
                on_event=print_event,
            )
            for charge_point_id, model in models.items()
        ]
        timetable = (
            Timetable(options["plug_in_at"], options["unplug_at"], zone) if options["plug_in_at"] is not None else None
        )
        fleet = Fleet(chargers, clock, CarSpec(options["car_kw"], options["battery_kwh"], options["soc"]), timetable)
        asyncio.run(self._run(fleet, options))
        self.stdout.write("stopped")

    async def _run(self, fleet: Fleet, options: dict[str, Any]) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows: Ctrl-C still ends it
                loop.add_signal_handler(sig, stop.set)
        control = None
        if options["control_port"] is not None:
            control = await serve_control(fleet, options["control_port"])
            self.stdout.write(f"control API on http://127.0.0.1:{options['control_port']}/chargers")
        self.stdout.write(f"{len(fleet.chargers)} chargers -> {options['url']} at {options['speed']}x")
        try:
            await fleet.run(stop, plug_in_now=options["plug_in_now"], ramp_up_s=options["ramp_up"])
        finally:
            if control is not None:
                control.close()
                await control.wait_closed()


def _ids(value: str) -> list[str]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("give at least one id")
    return ids


def _clock_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time like 22:00") from error
