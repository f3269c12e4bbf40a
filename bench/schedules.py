"""A market re-optimisation: Axle pushes a new schedule for every enrolled charger at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartcharging REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/schedules.py [--pushes 10000] [--concurrency 32] [--pairs 6]

Runs gunicorn on a throwaway database whose chargers each already have a current schedule (so each
push replaces one, as in a re-optimisation). wrk (Debian's `wrk`) then:

1. pushes once to every charger at `--concurrency` keep-alive connections, through the real endpoint
   (OAuth2 token, validation, storage, apply task queued on Redis), and the whole run is timed;
2. alternates `--pairs` times between the bare authenticated endpoint of the same app
   (`/api/axle/v1/ping`) and pushing, `--seconds` each. On a shared machine whose speed drifts by
   half from minute to minute, only side-by-side runs compare fairly: each pair gives a ratio.

Targets (issue 4): at least 40% of the bare endpoint's throughput, p99 under 100 ms, all 10,000
stored and queued for application in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import ROOT, cpu_seconds, django_setup, throwaway_database

django_setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

from accounts.models import Household  # noqa: E402
from chargers.models import Asset, Site  # noqa: E402
from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE  # noqa: E402
from smartcharging.models import ChargingSchedule, Enrolment, EnrolmentStatus, Proposition  # noqa: E402
from smartcharging.models.schedules import ApplyState  # noqa: E402
from smartcharging.services.apply_queue import APPLY_QUEUED  # noqa: E402
from smartcharging.services.axle_client_app import axle_client_mark  # noqa: E402
from tests.factories import valid_mpan  # noqa: E402

PORT = 8765
# Where a request's CPU goes: gunicorn's workers (Python), PostgreSQL's backends, Redis. On a
# shared machine CPU per request drifts less than requests per second.
SERVERS = {"web": "gunicorn", "postgres": "postgres", "redis": "redis-server"}


def create_chargers(n: int, *, with_schedules: bool = False) -> list[str]:
    """n enrolled chargers; `with_schedules`: each with the schedule of the previous plan on it."""
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
    if not with_schedules:
        return [str(asset.axle_asset_id) for asset in assets]
    periods = [{"start_period_s": 0, "limit": 7400.0, "number_phases": 1}]
    ChargingSchedule.objects.bulk_create(
        ChargingSchedule(asset=asset, shape="profile", profile_sha256="previous-plan", raw_payload={}, stack_level=1,
                         purpose="TxDefaultProfile", kind="Absolute", rate_unit="W", periods=periods,
                         apply_state=ApplyState.APPLIED)
        for asset in assets
    )  # fmt: skip
    return [str(asset.axle_asset_id) for asset in assets]


def axle_token() -> str:
    application = Application.objects.create(
        name="Axle Energy", client_type="confidential", authorization_grant_type="client-credentials"
    )
    axle_client_mark(application=application)  # only Axle's client's tokens reach the schedule API
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
    paths: list[str], token: str, concurrency: int, *, method: str, body: str = "", seconds: int, salt: int = 0,
    until_stored: int | None = None,
) -> dict[str, float]:  # fmt: skip
    """wrk (a C load generator, so the client does not eat the server's CPU) cycling through the paths.

    `until_stored`: push each path once and stop as soon as that many new schedules are stored (wrk
    itself would wait out its duration); `elapsed_s` is then the time they took.
    """
    threads = 4
    with tempfile.TemporaryDirectory() as folder:
        paths_file, body_file = Path(folder, "paths"), Path(folder, "body")
        paths_file.write_text("\n".join(paths) + "\n")
        body_file.write_text(body)
        env = os.environ | {
            "PATHS_FILE": str(paths_file), "BODY_FILE": str(body_file) if body else "", "TOKEN": token,
            "METHOD": method, "WRK_THREADS": str(threads), "SALT": str(salt),
            "ONCE": "1" if until_stored is not None else "0",
        }  # fmt: skip
        before = ChargingSchedule.objects.count()
        cpu_before = cpu_seconds(SERVERS)
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--latency",  # noqa: S607
             "-s", str(ROOT / "bench" / "schedules.lua"), f"http://127.0.0.1:{PORT}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        elapsed = None
        if until_stored is not None:
            while process.poll() is None:
                if ChargingSchedule.objects.count() - before >= until_stored:
                    elapsed = time.perf_counter() - started
                    process.send_signal(signal.SIGINT)  # wrk stops and prints what it measured
                    break
                time.sleep(0.05)
        stdout, stderr = process.communicate()
        elapsed = elapsed or time.perf_counter() - started
        cpu = cpu_seconds(SERVERS)
    if process.returncode != 0 or "answer " in stderr:
        raise SystemExit(f"wrk failed or had answers other than 2xx: {stderr[:500]}")
    requests_made = float(_find(r"(\d+) requests in", stdout))
    return {
        "rps": float(_find(r"Requests/sec:\s+([\d.]+)", stdout)),
        "requests": requests_made,
        **{f"{name}_cpu_ms": (cpu[name] - cpu_before[name]) * 1000 / requests_made for name in SERVERS},
        "p50_ms": _ms(_find(r"50%\s+([\d.]+\w+)", stdout)),
        "p99_ms": _ms(_find(r"99%\s+([\d.]+\w+)", stdout)),
        "elapsed_s": elapsed,
    }


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"wrk printed no {pattern!r}:\n{text}")
    return match[1]


def _ms(text: str) -> float:
    number = _find(r"^([\d.]+)", text)
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[text[len(number) :]]


def _queued_for_application() -> tuple[int, bool]:
    """Schedules waiting to be applied, and whether an apply task is queued for them."""
    from django.core.cache import cache

    waiting = ChargingSchedule.objects.filter(is_current=True, apply_state=ApplyState.PENDING).count()
    return waiting, bool(cache.get(APPLY_QUEUED))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    # More processes than cores: each process runs one thread at a time (the GIL), and requests spend
    # part of their time waiting on PostgreSQL and Redis.
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=6, help="side-by-side runs of bare endpoint and pushes")
    parser.add_argument("--seconds", type=int, default=5, help="length of each side of a pair")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this with DATABASE_URL pointing at PostgreSQL, as in production.")
    with throwaway_database():
        asset_ids = create_chargers(args.pushes, with_schedules=True)
        token = axle_token()
        connection.close()  # gunicorn's workers use the database now
        server = start_gunicorn(connection.settings_dict["NAME"], workers=args.workers, threads=args.threads)
        body = json.dumps(AXLE_EXAMPLE_PROFILE).replace("99999.0", "LIMIT")  # the script varies it
        paths = [f"/api/axle/v1/assets/{asset_id}/charging-profile" for asset_id in asset_ids]
        ping = ["/api/axle/v1/ping"] * 100
        try:
            wrk(ping, token, args.concurrency, method="GET", seconds=5)  # warm-up: workers load the app
            before = ChargingSchedule.objects.count()
            storm = wrk(paths, token, args.concurrency, method="POST", body=body, seconds=600, until_stored=len(paths))
            stored = ChargingSchedule.objects.count() - before
            waiting, task_queued = _queued_for_application()
            connection.close()
            pairs = []
            for pair in range(args.pairs):
                bare = wrk(ping, token, args.concurrency, method="GET", seconds=args.seconds)
                pushed = wrk(paths, token, args.concurrency, method="POST", body=body, seconds=args.seconds,
                             salt=pair + 1)  # fmt: skip
                pairs.append((bare, pushed))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    shape = f"gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL, Redis, wrk"
    print(f"chargers={args.pushes} concurrency={args.concurrency} {shape}, {os.cpu_count()} cores")
    print(
        f"re-optimisation: {stored} schedules stored in {storm['elapsed_s']:.1f} s "
        f"({stored / storm['elapsed_s']:.0f}/s; target under 60 s), p50 {storm['p50_ms']:.1f} ms, "
        f"p99 {storm['p99_ms']:.1f} ms; {waiting} waiting to be applied, apply task queued: {task_queued}; "
        f"CPU per push {_cpu(storm)}"
    )
    print(f"{'pair':>4} {'bare req/s':>10} {'p50':>7} {'p99':>7} {'push req/s':>10} {'p50':>7} {'p99':>7} {'ratio':>6}"
          f"  CPU ms per request, bare | push")  # fmt: skip
    for i, (bare, pushed) in enumerate(pairs, 1):
        print(
            f"{i:4} {bare['rps']:10.0f} {bare['p50_ms']:7.1f} {bare['p99_ms']:7.1f} "
            f"{pushed['rps']:10.0f} {pushed['p50_ms']:7.1f} {pushed['p99_ms']:7.1f} {pushed['rps'] / bare['rps']:6.0%}"
            f"  {_cpu(bare)} | {_cpu(pushed)}"
        )
    ratios = [pushed["rps"] / bare["rps"] for bare, pushed in pairs]
    cpu_ratios = [_cpu_total(bare) / _cpu_total(pushed) for bare, pushed in pairs]
    print(
        f"throughput vs bare: median {statistics.median(ratios):.0%} (range {min(ratios):.0%}-{max(ratios):.0%}; "
        f"target >= 40%); push p99 median {statistics.median(p['p99_ms'] for _, p in pairs):.0f} ms, "
        f"bare p99 median {statistics.median(b['p99_ms'] for b, _ in pairs):.0f} ms (target < 100 ms)"
    )
    print(
        f"CPU per request, bare over push (the throughput ratio a CPU-bound machine allows): median "
        f"{statistics.median(cpu_ratios):.0%} (range {min(cpu_ratios):.0%}-{max(cpu_ratios):.0%})"
    )


def _cpu_total(run: dict[str, float]) -> float:
    return sum(run[f"{name}_cpu_ms"] for name in SERVERS)


def _cpu(run: dict[str, float]) -> str:
    parts = " ".join(f"{name} {run[f'{name}_cpu_ms']:.1f}" for name in SERVERS)
    return f"{_cpu_total(run):.1f} ms ({parts})"


if __name__ == "__main__":
    main()
