"""What the benchmarks share: Django on a throwaway database, and a local server that answers like Axle."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh database (bench_<name> on PostgreSQL, a temporary file on SQLite), destroyed afterwards."""
    import tempfile

    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        test_name = str(Path(tempfile.mkdtemp(prefix="smartcharging-bench-")) / "bench.sqlite3")
    else:
        # Apart from test_<name>, which a test run may be using, and from other benchmarks' databases.
        test_name = f"bench_{Path(sys.argv[0]).stem}_{old_name}"
    connection.settings_dict["TEST"]["NAME"] = test_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def cpu_seconds(processes: dict[str, str]) -> dict[str, float]:
    """CPU time (user + system) used so far by every running process whose command line contains
    each pattern ({"web": "gunicorn"}), with that of their children that have ended (PostgreSQL's
    autovacuum workers come and go). Linux only: it reads /proc."""
    ticks = dict.fromkeys(processes, 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        for name, pattern in processes.items():
            if pattern in command:
                ticks[name] += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return {name: count / os.sysconf("SC_CLK_TCK") for name, count in ticks.items()}


class _AxleHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Axle's load balancer does
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs: 40 ms a request

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        raw: bytes = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests += 1  # type: ignore[attr-defined]
        if self.path == "/auth/token-form":
            self._answer(200, {"access_token": "bench-token", "token_type": "bearer"})
        elif self.path == "/data/readings":
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            readings = json.loads(raw)["readings"]
            self.server.readings += len(readings)  # type: ignore[attr-defined]
            self._answer(200, {"responses": [{**r, "accepted": True} for r in readings]})
        else:
            self._answer(200, {})


@contextlib.contextmanager
def local_axle() -> Iterator[ThreadingHTTPServer]:
    """An HTTP server on 127.0.0.1 answering the token, event and readings calls like Axle does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AxleHandler)
    server.daemon_threads = True
    server.requests = 0  # type: ignore[attr-defined]
    server.readings = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_port}"
