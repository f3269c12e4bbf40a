"""`manage.py run_axle_standin`: a local stand-in for Axle Energy's API (docs/axle-standin.md).

Never in production: it accepts a published password, issues tokens to anyone holding it and
exposes unauthenticated control endpoints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartcharging.axle_standin import PushConfig, StandIn, StandInConfig, State, serve
from smartcharging.axle_standin.pusher import SHAPES

ENV_PLATFORM_URL = "AXLE_STANDIN_PLATFORM_URL"
ENV_CLIENT_ID = "AXLE_STANDIN_CLIENT_ID"
ENV_CLIENT_SECRET = "AXLE_STANDIN_CLIENT_SECRET"  # noqa: S105 - the variable's name


def refuse_in_production() -> None:
    # Production's settings module hard-codes DEBUG = False; its name is the one sure marker.
    if settings.SETTINGS_MODULE.endswith("production"):
        raise CommandError("run_axle_standin is for local development and tests; it never runs in production.")


class Command(BaseCommand):
    help = "Serve a local stand-in for Axle Energy's API (the platform's default AXLE_BASE_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument("--state-file", type=Path, help="Keep the state in this JSON file across restarts.")
        parser.add_argument("--username", default=None, help="Accepted token username (default: AXLE_USERNAME).")
        parser.add_argument("--password", default=None, help="Accepted token password (default: AXLE_PASSWORD).")
        parser.add_argument("--token-lifetime", type=int, default=3600, help="Seconds a token is valid.")
        parser.add_argument("--credit-pence-per-kwh", type=float, default=2.0, help="Reward per off-peak kWh.")
        parser.add_argument(
            "--platform-url", default=None, help=f"Where to push schedules (or ${ENV_PLATFORM_URL}; default :8000)."
        )
        parser.add_argument("--client-id", default=None, help=f"Our OAuth2 client id (or ${ENV_CLIENT_ID}).")
        parser.add_argument("--client-secret", default=None, help=f"Its secret (or ${ENV_CLIENT_SECRET}).")
        parser.add_argument("--push-shape", choices=SHAPES, default="profile")
        parser.add_argument("--push-attempts", type=int, default=5)
        parser.add_argument("--push-backoff", type=float, default=1.0, help="First retry delay, doubling.")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        config = build_config(options)
        state = State(options["state_file"])
        server = serve(StandIn(config, state=state), options["host"], options["port"])
        self.stdout.write(f"Axle stand-in on {server.url} (control: {server.url}/_standin/state)")
        if not config.push.ready:
            self.stdout.write(
                "Schedules are planned but not pushed: give --client-id/--client-secret "
                "(from `manage.py axle_oauth_client`) to push them to the platform."
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


def build_config(options: dict[str, Any]) -> StandInConfig:
    """The stand-in's configuration from the options, then the environment, then the platform's settings."""

    def option(name: str, default: Any) -> Any:
        value = options.get(name)
        return default if value is None else value

    push = PushConfig(
        platform_url=option("platform_url", os.environ.get(ENV_PLATFORM_URL) or "http://127.0.0.1:8000"),
        client_id=option("client_id", os.environ.get(ENV_CLIENT_ID)),
        client_secret=option("client_secret", os.environ.get(ENV_CLIENT_SECRET)),
        shape=option("push_shape", "profile"),
        attempts=option("push_attempts", 5),
        backoff_base_s=option("push_backoff", 1.0),
    )
    return StandInConfig(
        # By default the credentials the platform itself uses, so both work together out of the box.
        username=option("username", settings.AXLE_USERNAME),
        password=option("password", settings.AXLE_PASSWORD),
        token_lifetime_s=option("token_lifetime", 3600),
        credit_pence_per_kwh=option("credit_pence_per_kwh", 2.0),
        push=push,
    )
