"""The socket side: a standard-library threading HTTP server carrying bytes to and from `StandIn.handle`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import StandIn
from .web import Request, Response

logger = logging.getLogger(__name__)

MAX_BODY = 10 * 1024 * 1024  # readings batches are the largest bodies; far below this


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True  # a request asleep in a timeout fault must not hold up shutdown
    allow_reuse_address = True

    def __init__(self, app: StandIn, address: tuple[str, int]) -> None:
        self.app = app
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        self.url = f"http://{host if isinstance(host, str) else host.decode()}:{port}"
        app.public_url = self.url

    def start_in_thread(self) -> threading.Thread:
        # A short poll, so `stop()` (which waits for the next poll) is quick in tests.
        thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="axle-standin", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.app.close()  # wakes requests sleeping in a timeout fault, stops the pusher
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: StandInServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the platform's requests session expects
    server_version = "AxleStandIn/1.0"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and the client's
    # delayed ACK hold every answer back by about 40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding") or length > MAX_BODY:
            self._write(Response(413 if length > MAX_BODY else 411, {"detail": "Send a body with Content-Length"}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = Request.build(self.command, self.path, _Headers(self.headers), body)
        self._write(self.server.app.handle(request))

    def _write(self, response: Response) -> None:
        payload = response.encoded()
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a timeout fault does exactly this); nobody is left to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s - " + format, self.address_string(), *args)


class _Headers(Mapping[str, str]):
    """The request's headers as a case-insensitive mapping (the first value of each)."""

    def __init__(self, message: Message[str, str]) -> None:
        self._message = message

    def __getitem__(self, name: str) -> str:
        value = self._message.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._message.keys())

    def __len__(self) -> int:
        return len(self._message)


def serve(app: StandIn, host: str = "127.0.0.1", port: int = 8010) -> StandInServer:
    """A server bound to host:port (0: any free port), not yet serving: call `serve_forever` or `start_in_thread`."""
    return StandInServer(app, (host, port))
