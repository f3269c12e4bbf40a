"""The OCPP gateway under load: chargers held by one process, and schedule-to-charger latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartcharging REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/ocpp.py [--chargers 5000] [--hold 150] [--latency-chargers 1000]

1. Connections: `--chargers` simulated chargers (one `simulate_chargers` process) connect to one
   `run_ocpp` process, each with a car charging, heartbeats (every 300 s, the gateway's default) and
   meter values every 60 s, connecting at `--connect-rate` per second. Held for
   `--hold` seconds; prints the chargers connected, the meter values stored, and the gateway's memory
   per connection (its resident memory with them all, minus before any connected). With `--restart`
   the gateway is then restarted and the time until every charger is back is printed.
2. Latency: gunicorn (the schedule endpoint), a Celery worker on Redis (applying schedules) and the
   gateway, with `--latency-chargers` connected. A schedule is pushed to each charger through the real
   endpoint; the time from its 202 to the charger's Accepted answer to SetChargingProfile (recorded by
   the gateway as it arrives) gives p50 / p99 / max. Two rounds: a steady stream at `--rate` per
   second, then (unless `--no-burst`) every charger's at once, as fast as `--push-concurrency` clients
   can push. Targets (issue 5): 5,000 chargers, p99 under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs as a script from anywhere
from bench.support import ROOT, base_url, cpu_seconds, django_setup, local_axle, throwaway_database

django_setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402

from bench.schedules import axle_token, create_chargers, start_gunicorn  # noqa: E402
from chargers.models import (  # noqa: E402
    Asset,
    ChargerCommand,
    ChargerState,
    CommandAction,
    CommandState,
    MeterSample,
    PlugSession,
)
from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE  # noqa: E402
from smartcharging.models import AxleEvent, EventState  # noqa: E402

OCPP_PORT = 18766
WEB_PORT = 18765  # away from the ports people run things on
PREFIX = "BENCH"  # create_chargers names them BENCH000000, BENCH000001, ...


# Who uses the machine during the latency run (command lines contain these).
PROCESSES = {"web": "gunicorn", "worker": "celery", "gateway": "run_ocpp", "chargers": "simulate_chargers",
             "postgres": "postgres"}  # fmt: skip


def child_env(database: str, **extra: str) -> dict[str, str]:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "smartcharging.settings.base",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",  # persistent connections, as in production
        **extra,
    }


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)  # noqa: S603


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout_s:
            raise SystemExit(f"Gave up after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.5)
    return time.monotonic() - started


def simulators(ids: list[str], env: dict[str, str], log: Path, *, ramp_up_s: float) -> subprocess.Popen[bytes]:
    ids_file = log.with_suffix(".ids")
    ids_file.write_text(",".join(ids))
    command = [
        sys.executable, "manage.py", "simulate_chargers", "--url", f"ws://127.0.0.1:{OCPP_PORT}/ocpp",
        "--ids", ids_file.read_text(), "--plug-in-now", "--meter-interval", "60", "--ramp-up", str(ramp_up_s),
        "--battery-kwh", "100", "--soc", "0.1", "-v", "0",
    ]  # fmt: skip
    return start(command, env, log)


def connections(args: argparse.Namespace, database: str, logs: Path) -> None:
    ids = [f"{PREFIX}{i:06d}" for i in range(args.chargers)]
    gateway = start([sys.executable, "manage.py", "run_ocpp", "--port", str(OCPP_PORT)],
                    child_env(database), logs / "gateway.log")  # fmt: skip
    time.sleep(5)
    idle_mb = rss_mb(gateway.pid)
    fleet = simulators(ids, child_env(database), logs / "fleet.log", ramp_up_s=args.chargers / args.connect_rate)
    try:
        took = wait_for(lambda: ChargerState.objects.filter(connected=True).count() >= args.chargers,
                        args.chargers / 20 + 120, f"{args.chargers} chargers to connect")  # fmt: skip
        samples_before = MeterSample.objects.count()
        time.sleep(args.hold)
        samples = MeterSample.objects.count() - samples_before
        connected = ChargerState.objects.filter(connected=True).count()
        loaded_mb = rss_mb(gateway.pid)
        failed = _failed_attempts(logs / "fleet.log")
        if args.restart:  # the gateway is redeployed: every charger reconnects to the new process at once
            stop(gateway)
            gateway = start([sys.executable, "manage.py", "run_ocpp", "--port", str(OCPP_PORT)],
                            child_env(database), logs / "gateway-restarted.log")  # fmt: skip
            back_in = wait_for(lambda: ChargerState.objects.filter(connected=True).count() >= args.chargers,
                               600, f"{args.chargers} chargers to reconnect")  # fmt: skip
            failed_after = _failed_attempts(logs / "fleet.log") - failed
    finally:
        stop(fleet)
        stop(gateway)
    errors = sum("ERROR" in line or "Traceback" in line for line in (logs / "gateway.log").read_text().splitlines())
    expected = args.chargers * args.hold / 60
    print(f"connections: {connected} of {args.chargers} chargers connected to one gateway after {took:.0f} s, "
          f"held {args.hold} s with heartbeats and meter values every 60 s")  # fmt: skip
    print(f"  connection attempts refused or timed out while connecting: {failed}")
    print(
        f"  meter values stored while held: {samples} (about {expected:.0f} periodic, plus transaction starts); "
        f"gateway errors logged: {errors} (logs in {logs})"
    )
    print(f"  gateway memory: {idle_mb:.0f} MB idle, {loaded_mb:.0f} MB with them, "
          f"{(loaded_mb - idle_mb) * 1024 / max(connected, 1):.0f} KB per connection")  # fmt: skip
    if args.restart:
        print(f"  gateway restarted: all {args.chargers} chargers back {back_in:.0f} s after it stopped; "
              f"{failed_after} connection attempts refused or timed out on the way")  # fmt: skip


def _failed_attempts(log: Path) -> int:
    return sum("connection ended" in line for line in log.read_text().splitlines())


def latency(args: argparse.Namespace, database: str, logs: Path) -> None:
    ids = [f"{PREFIX}{i:06d}" for i in range(args.latency_chargers)]
    token = axle_token()
    web = start_gunicorn(database, workers=3, threads=8, port=WEB_PORT)
    worker = start([sys.executable, "-m", "celery", "-A", "smartcharging", "worker", "-Q", "default,axle,chargers",
                    "--pool", "threads", "--concurrency", "8", "--loglevel", "WARNING"],
                   child_env(database), logs / "worker.log")  # fmt: skip
    gateway = start([sys.executable, "manage.py", "run_ocpp", "--port", str(OCPP_PORT)], child_env(database),
                    logs / "gateway-latency.log")  # fmt: skip
    fleet = simulators(ids, child_env(database), logs / "fleet-latency.log", ramp_up_s=len(ids) / args.connect_rate)
    try:
        wait_for(lambda: ChargerState.objects.filter(connected=True, config_read_at__isnull=False).count() >= len(ids),
                 600, "the chargers to connect and report their configuration")  # fmt: skip
        # Measured in steady state: every charger connected, booted, its car charging, nothing queued.
        unanswered = ChargerCommand.objects.filter(state__in=[CommandState.PENDING, CommandState.SENT])
        wait_for(lambda: not unanswered.exists(), 300, "the chargers' start-up commands to be answered")
        # Each car was plugged in as its charger connected: the gateway records 1,000 plug-ins and the
        # worker tells Axle of each. That start-up is over when each charger has its session and every
        # event has reached Axle; measuring earlier would time the start-up, not a schedule.
        plugged = PlugSession.objects.filter(plugged_out_at__isnull=True, asset__ocpp_charge_point_id__in=ids)
        burst_s = wait_for(lambda: plugged.count() >= len(ids), 300, "every charger's plug-in to be recorded")
        undelivered = AxleEvent.objects.filter(state=EventState.PENDING)
        burst_s += wait_for(lambda: not undelivered.exists(), 300, "the plug-in events to reach Axle")
        assets = dict(Asset.objects.filter(ocpp_charge_point_id__in=ids).values_list("axle_asset_id", "pk"))
        # A steady stream of re-plans first (`--rate`), then every charger's at once (a market
        # re-optimisation); each round's profile starts a minute later, so none repeats the last.
        rounds = [(args.rate, _push_round(args, token, assets, args.rate, minutes_later=0))]
        if args.burst:
            wait_for(lambda: not unanswered.exists(), 300, "the first round's verifications to be answered")
            rounds.append((0, _push_round(args, token, assets, 0, minutes_later=1)))
    finally:
        for process in (fleet, gateway, worker, web):
            stop(process)

    print(f"start-up: after the chargers' configuration was read, their {len(ids)} plug-ins took another "
          f"{burst_s:.0f} s to be recorded and reach Axle")  # fmt: skip
    for rate, measured in rounds:
        delays, stages, pushed_in, busy_s, cpu = measured

        def pct(p: float, delays: list[float] = delays) -> float:
            return delays[min(len(delays) - 1, int(p * len(delays)))]

        pace = f"at {rate:g}/s" if rate else f"all at once, as fast as {args.push_concurrency} clients can"
        print(f"latency: {len(delays)} schedules pushed in {pushed_in:.1f} s ({pace}) to "
              f"{len(ids)} connected chargers; 202 -> SetChargingProfile Accepted: p50 {pct(0.5):.2f} s, "
              f"p99 {pct(0.99):.2f} s, max {delays[-1]:.2f} s (target p99 < 2 s)")  # fmt: skip
        print("  per stage, median / p99: " + ", ".join(
            f"{name} {median * 1000:.0f} / {p99 * 1000:.0f} ms" for name, (median, p99) in stages.items()
        ))  # fmt: skip
        cores = os.cpu_count() or 1
        print(f"  CPU used while pushing and applying ({busy_s:.0f} s, {cores} cores): " + ", ".join(
            f"{name} {used / busy_s / cores:.0%}" for name, used in cpu.items()
        ) + f"; per schedule: {sum(cpu.values()) * 1000 / len(delays):.0f} ms")  # fmt: skip


Measured = tuple[list[float], dict[str, tuple[float, float]], float, float, dict[str, float]]


def _push_round(
    args: argparse.Namespace, token: str, assets: dict[uuid.UUID | None, int], rate: float, *, minutes_later: int
) -> Measured:
    """Push a schedule to every charger through the real endpoint; wait until each has accepted its own."""
    accepted_at: dict[int, float] = {}
    start_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30 - minutes_later)
    round_began = datetime.now(UTC)

    def push(axle_asset_id: uuid.UUID | None) -> None:
        body = json.loads(json.dumps(AXLE_EXAMPLE_PROFILE))
        body["chargingSchedule"]["startSchedule"] = start_at.isoformat()
        response = requests.post(
            f"http://127.0.0.1:{WEB_PORT}/api/axle/v1/assets/{axle_asset_id}/charging-profile",
            json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )  # fmt: skip
        if response.status_code != 202:
            raise SystemExit(f"push answered {response.status_code}: {response.text[:300]}")
        accepted_at[assets[axle_asset_id]] = time.time()

    cpu_before = cpu_seconds(PROCESSES)
    began = time.monotonic()

    def paced(numbered: tuple[int, uuid.UUID | None]) -> None:
        if rate:
            time.sleep(max(0.0, began + numbered[0] / rate - time.monotonic()))
        push(numbered[1])

    with ThreadPoolExecutor(args.push_concurrency) as pool:
        list(pool.map(paced, enumerate(assets)))
    pushed_in = time.monotonic() - began
    applied = ChargerCommand.objects.filter(
        action=CommandAction.SET_CHARGING_PROFILE, state=CommandState.ACCEPTED, schedule__received_at__gte=round_began
    )
    wait_for(lambda: applied.count() >= len(assets), 300, "every charger to accept its schedule")
    busy_s = time.monotonic() - began
    cpu = {name: used - cpu_before[name] for name, used in cpu_seconds(PROCESSES).items()}
    delays = sorted(answered.timestamp() - accepted_at[asset_id]
                    for asset_id, answered in applied.values_list("asset_id", "answered_at")
                    if answered)  # fmt: skip
    return delays, _stages(applied), pushed_in, busy_s, cpu


def _stages(applied: object) -> dict[str, tuple[float, float]]:
    """Where the time goes: stored -> command queued (Celery apply task) -> sent (gateway) -> answered."""
    rows = ChargerCommand.objects.filter(pk__in=applied.values("pk")).values_list(  # type: ignore[attr-defined]
        "schedule__received_at", "created_at", "sent_at", "answered_at"
    )
    columns = list(zip(*rows, strict=True))
    names = ("stored -> queued for the charger", "queued -> sent", "sent -> answered")

    def median_and_p99(values: list[float]) -> tuple[float, float]:
        ordered = sorted(values)
        return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    return {
        name: median_and_p99([(b - a).total_seconds() for a, b in zip(columns[i], columns[i + 1], strict=True)])
        for i, name in enumerate(names)
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chargers", type=int, default=5000)
    parser.add_argument("--hold", type=int, default=150)
    parser.add_argument("--connect-rate", type=float, default=25, help="chargers connecting per second")
    parser.add_argument("--latency-chargers", type=int, default=1000)
    parser.add_argument("--push-concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20, help="pushes per second in the first round (0: at once)")
    parser.add_argument("--no-burst", dest="burst", action="store_false", help="skip the all-at-once round")
    parser.add_argument(
        "--restart", action="store_true", help="after the hold, restart the gateway and time the return"
    )
    parser.add_argument("--skip-connections", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this with DATABASE_URL pointing at PostgreSQL, as in production.")
    logs = Path(tempfile.mkdtemp(prefix="bench-ocpp-"))
    # Axle answers the plug-in events and readings the chargers cause: without it the worker would
    # spend its time retrying them, which is the outage case, not the one measured here.
    with throwaway_database(), local_axle() as axle:
        os.environ["AXLE_BASE_URL"] = base_url(axle)  # every process started from here talks to it
        create_chargers(max(args.chargers, args.latency_chargers))
        database = str(connection.settings_dict["NAME"])
        connection.close()
        if not args.skip_connections:
            connections(args, database, logs)
        ChargerState.objects.update(connected=False)
        if not args.skip_latency:
            latency(args, database, logs)


if __name__ == "__main__":
    main()
