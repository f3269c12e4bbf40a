"""A mail server for tests: speaks enough SMTP to take messages and keeps them, so a test sees what a
real deployment would have e-mailed (Django's test runner swaps the backend, a subprocess does not)."""

import contextlib
import socketserver
import threading
from collections.abc import Iterator


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpSession)
        self.messages: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class SmtpSession(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ready")
        for raw in self.rfile:
            verb = raw.decode().strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                self.reply("354 end with <CR><LF>.<CR><LF>")
                lines = []
                for body_line in self.rfile:
                    if body_line.rstrip(b"\r\n") == b".":
                        break
                    lines.append(body_line.decode())
                self.server.messages.append("".join(lines))
                self.reply("250 kept")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP: all fine by a sink
                self.reply("250 ok")


@contextlib.contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()
