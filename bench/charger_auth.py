"""Charger passwords: what checking one costs, before (Django's PBKDF2) and now (HMAC under a pepper),
and how many password-protected chargers one gateway admits per second.

    .venv/bin/python bench/charger_auth.py [--chargers 500] [--concurrency 50] [--pbkdf2-checks 5]

1. Checks per second on one core: `django.contrib.auth.hashers.check_password` against a PBKDF2
   hash made with the settings' default hasher (what the gateway ran on every connection before),
   and `chargers.charger_password.password_check` against a stored HMAC (what it runs now).
2. On a throwaway database (PostgreSQL when DATABASE_URL says so), N chargers each given a password
   through `charger_passwords_set`, then an in-process gateway and N WebSocket handshakes presenting
   them, `--concurrency` at a time, as after a gateway restart: admissions per second, wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time

# The repository instead of bench/, whose ocpp.py would shadow the ocpp package the gateway imports.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from bench.support import django_setup, throwaway_database  # noqa: E402

django_setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.db import connection  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from chargers.charger_password import password_check, password_digest, password_generate  # noqa: E402
from chargers.models import Asset, Site  # noqa: E402
from chargers.ocpp.gateway import Gateway  # noqa: E402
from chargers.services.charger_passwords import charger_passwords_set  # noqa: E402


def per_second(check: object, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        check()  # type: ignore[operator]
    return runs / (time.perf_counter() - started)


def checks(pbkdf2_runs: int) -> None:
    password = password_generate()
    pbkdf2 = make_password(password)
    stored = password_digest(password.encode())
    before = per_second(lambda: check_password(password, pbkdf2), pbkdf2_runs)
    now = per_second(lambda: password_check(password.encode(), stored), 20_000)
    print(f"checks per second, one core: PBKDF2 ({pbkdf2.split('$')[0]}) {before:,.1f}; HMAC-SHA256 {now:,.0f}")


async def admissions(passwords: dict[str, str], concurrency: int) -> None:
    threads = 1 if connection.vendor == "sqlite" else 4
    gateway = Gateway(gateway_id="bench-auth", db_threads=threads, command_poll_s=5.0)
    await gateway.start("127.0.0.1", 0)
    gate = asyncio.Semaphore(concurrency)
    refused = 0

    async def one(cp_id: str, password: str) -> None:
        nonlocal refused
        token = base64.b64encode(f"{cp_id}:{password}".encode()).decode()
        async with gate:
            try:
                async with connect(
                    f"ws://127.0.0.1:{gateway.port}/ocpp/{cp_id}",
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    additional_headers={"Authorization": f"Basic {token}"},
                    open_timeout=120,
                ):
                    pass
            except Exception:
                refused += 1

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(cp, pw) for cp, pw in passwords.items()))
        took = time.perf_counter() - started
    finally:
        await gateway.stop()
    print(
        f"admissions: {len(passwords) - refused} of {len(passwords)} chargers in {took:.2f} s "
        f"({len(passwords) / took:,.0f}/s, {concurrency} at a time, {threads} database thread(s), {connection.vendor})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--pbkdf2-checks", type=int, default=5)
    args = parser.parse_args()
    checks(args.pbkdf2_checks)
    with throwaway_database():
        site = Site.objects.create(street_address="1 Bench Road", postcode="SW1A 1AA", mpan="1200023305967")
        Asset.objects.bulk_create(
            Asset(site=site, ocpp_charge_point_id=f"BENCH-{n:05d}", external_id=f"bench-{n}", rated_power_kw=7)
            for n in range(args.chargers)
        )
        passwords = {f"BENCH-{n:05d}": password_generate() for n in range(args.chargers)}
        charger_passwords_set(passwords=passwords)
        asyncio.run(admissions(passwords, args.concurrency))


if __name__ == "__main__":
    main()
