"""Run the OCPP 1.6J gateway: `manage.py run_ocpp [--host H] [--port P]`; Ctrl-C stops it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from chargers.ocpp.gateway import Gateway


class Command(BaseCommand):
    help = "Run the OCPP 1.6J central system chargers connect to (ws://host:port/ocpp/<charge point id>)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.OCPP_HOST)
        parser.add_argument("--port", type=int, default=settings.OCPP_PORT)
        parser.add_argument("--gateway-id", default=settings.OCPP_GATEWAY_ID)

    def handle(self, *args: Any, **options: Any) -> None:
        gateway = Gateway(
            gateway_id=options["gateway_id"] or f"{socket.gethostname()}:{options['port']}",
            heartbeat_interval_s=settings.OCPP_HEARTBEAT_INTERVAL_S,
            response_timeout_s=settings.OCPP_RESPONSE_TIMEOUT_S,
            command_poll_s=settings.OCPP_COMMAND_POLL_S,
            # SQLite takes one writer at a time: more threads would only queue on its lock.
            db_threads=1 if connection.vendor == "sqlite" else max(1, settings.OCPP_DB_THREADS),
        )
        asyncio.run(self._run(gateway, options["host"], options["port"]))

    async def _run(self, gateway: Gateway, host: str, port: int) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(signum, stop.set)
        await gateway.start(host, port)
        self.stdout.write(f"OCPP gateway {gateway.gateway_id} listening on ws://{host}:{gateway.port}/ocpp/<id>")
        await stop.wait()
        self.stdout.write("Stopping: closing charger connections")
        await gateway.stop()
