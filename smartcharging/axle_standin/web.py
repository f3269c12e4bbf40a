"""Requests, answers and routing for the stand-in, independent of the socket server that carries them."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from .validation import ValidationFailed, error


class ApiError(Exception):
    """An answer other than success, in FastAPI's shape: `{"detail": "..."}`."""

    def __init__(self, status: int, detail: object, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # case-insensitive (the server's header message)
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from the route's {placeholders}

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        return cls(method=method, path=path, query=parse_qs(query, keep_blank_values=True), headers=headers, body=body)

    def decoded_body(self) -> bytes:
        """The body, un-gzipped when the sender said so (Axle accepts gzip on readings)."""
        encoding = (self.headers.get("Content-Encoding") or "").strip().lower()
        if encoding in ("", "identity"):
            return self.body
        if encoding != "gzip":
            raise ApiError(415, f"Unsupported Content-Encoding {encoding!r}")
        try:
            return gzip.decompress(self.body)
        except (OSError, EOFError, zlib.error) as exc:
            raise ApiError(400, "The body is not valid gzip") from exc

    def json(self, *, empty: object = None) -> Any:
        """The JSON body; `empty` when there is none. Bad JSON is FastAPI's 422 json_invalid."""
        raw = self.decoded_body()
        if not raw.strip():
            if empty is None:
                raise ValidationFailed([error(("body",), "missing", "Field required", None)])
            return empty
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            position = getattr(exc, "pos", 0)
            raise ValidationFailed(
                [{"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {}}]
            ) from exc

    def form(self) -> dict[str, str]:
        """A form-encoded body, first value of each field."""
        text = self.decoded_body().decode("utf-8", errors="replace")
        return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int = 200
    body: object = None  # JSON, unless `raw` is given
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None and self.status in (204, 304):
            return b""
        self.headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body, separators=(",", ":")).encode()


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool  # needs Axle's bearer token


class Router:
    """Paths such as "/entities/site/{site_id}/enrol"; a placeholder matches one path segment."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.routes.append(Route(method, re.compile(f"^{regex}$"), handler, auth))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, {name: unquote(value) for name, value in found.groupdict().items()}
            allowed = True
        if allowed:
            raise ApiError(405, "Method Not Allowed")
        raise ApiError(404, "Not Found")
