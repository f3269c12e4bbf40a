"""A market re-optimisation: Axle pushes a new schedule for every enrolled charger at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartcharging REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/schedules.py [--pushes 10000] [--concurrency 32]

Runs gunicorn on a throwaway database; wrk (Debian's `wrk`) holds `--concurrency` keep-alive
connections for 30 s against the bare authenticated endpoint of the same app (`/api/axle/v1/ping`),
then 30 s pushing schedules to the chargers in turn through the real endpoint (OAuth2 token,
validation, storage, apply task queued on Redis), each push a new plan. Targets (issue 4): at least 40% of the bare
endpoint's throughput, p99 under 100 ms, all stored and queued in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import ROOT, django_setup, throwaway_database

django_setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

from accounts.models import Household  # noqa: E402
from chargers.models import Asset, Site  # noqa: E402
from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE  # noqa: E402
from smartcharging.models import ChargingSchedule, Enrolment, EnrolmentStatus, Proposition  # noqa: E402
from tests.factories import valid_mpan  # noqa: E402

PORT = 8765


def create_chargers(n: int) -> list[str]:
    household = Household.objects.create(name="Bench")
    sites = Site.objects.bulk_create(
        Site(household=household, street_address=f"{i} Bench Road", postcode="SW1A 1AA", mpan=valid_mpan(i))
        for i in range(n)
    )
    assets = Asset.objects.bulk_create(
        Asset(site=site, ocpp_charge_point_id=f"BENCH{i:06d}", external_id=f"bench-{i}", rated_power_kw=7.4,
              axle_asset_id=uuid.uuid4())
        for i, site in enumerate(sites)
    )  # fmt: skip
    Enrolment.objects.bulk_create(
        Enrolment(site=site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED) for site in sites
    )
    return [str(asset.axle_asset_id) for asset in assets]


def axle_token() -> str:
    application = Application.objects.create(
        name="Axle Energy", client_type="confidential", authorization_grant_type="client-credentials"
    )
    token = uuid.uuid4().hex
    expires = timezone.now() + timedelta(hours=2)
    AccessToken.objects.create(application=application, token=token, scope="schedules:write", expires=expires)
    return token


def start_gunicorn(database_name: str, *, workers: int, threads: int, port: int = PORT) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "smartcharging.settings.base",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database_name}",
        "DJANGO_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "smartcharging.wsgi", "-b", f"127.0.0.1:{port}",
         "-k", "gthread", "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(300):  # workers load the app on their first request: give them 30 s
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def wrk(
    paths: list[str], token: str, concurrency: int, *, method: str, body: str = "", seconds: int = 30
) -> dict[str, float]:
    """wrk (a C load generator, so the client does not eat the server's CPU) cycling through the paths."""
    threads = 4
    with tempfile.TemporaryDirectory() as folder:
        paths_file, body_file = Path(folder, "paths"), Path(folder, "body")
        paths_file.write_text("\n".join(paths) + "\n")
        body_file.write_text(body)
        env = os.environ | {
            "PATHS_FILE": str(paths_file), "BODY_FILE": str(body_file) if body else "", "TOKEN": token,
            "METHOD": method, "WRK_THREADS": str(threads),
        }  # fmt: skip
        result = subprocess.run(  # noqa: S603
            ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--latency",  # noqa: S607
             "-s", str(ROOT / "bench" / "schedules.lua"), f"http://127.0.0.1:{PORT}"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
    if "answer " in result.stderr:
        raise SystemExit(f"Answers other than 2xx: {result.stderr[:500]}")
    return {
        "rps": float(_find(r"Requests/sec:\s+([\d.]+)", result.stdout)),
        "requests": float(_find(r"(\d+) requests in", result.stdout)),
        "p50_ms": _ms(_find(r"50%\s+([\d.]+\w+)", result.stdout)),
        "p99_ms": _ms(_find(r"99%\s+([\d.]+\w+)", result.stdout)),
    }


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"wrk printed no {pattern!r}:\n{text}")
    return match[1]


def _ms(text: str) -> float:
    number = _find(r"^([\d.]+)", text)
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[text[len(number) :]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    # More processes than cores: each process runs one thread at a time (the GIL), and requests spend
    # part of their time waiting on PostgreSQL and Redis.
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30, help="how long wrk pushes at each endpoint")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this with DATABASE_URL pointing at PostgreSQL, as in production.")
    with throwaway_database():
        asset_ids = create_chargers(args.pushes)
        token = axle_token()
        connection.close()  # gunicorn's workers use the database now
        server = start_gunicorn(connection.settings_dict["NAME"], workers=args.workers, threads=args.threads)
        try:
            ping = ["/api/axle/v1/ping"] * args.pushes
            wrk(ping, token, args.concurrency, method="GET", seconds=5)  # warm-up: workers load the app
            bare = wrk(ping, token, args.concurrency, method="GET", seconds=args.seconds)
            paths = [f"/api/axle/v1/assets/{asset_id}/charging-profile" for asset_id in asset_ids]
            body = json.dumps(AXLE_EXAMPLE_PROFILE).replace("99999.0", "LIMIT")  # the script varies it
            pushed = wrk(paths, token, args.concurrency, method="POST", body=body, seconds=args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        stored = ChargingSchedule.objects.count()
        shape = f"gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL, wrk"
        print(f"pushes={args.pushes} concurrency={args.concurrency} {shape}")
        for name, run in (("bare endpoint", bare), ("schedules", pushed)):
            print(f"{name:14} {run['rps']:7.0f} req/s  p50 {run['p50_ms']:6.1f} ms  p99 {run['p99_ms']:6.1f} ms")
        print(
            f"throughput vs bare: {pushed['rps'] / bare['rps']:.0%} (target >= 40%); {stored:.0f} schedules stored; "
            f"{args.pushes} pushes take {args.pushes / pushed['rps']:.1f} s at this rate (target < 60 s)"
        )


if __name__ == "__main__":
    main()
