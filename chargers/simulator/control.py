"""A tiny HTTP control server for a running fleet, so a demo page (or curl) can play the homeowner.

Plain asyncio rather than a web framework: the simulator must not add a dependency, and five JSON routes on
loopback do not need one. Every answer allows any origin, because the demo page is served from another port.

    GET  /chargers                      every charger's state
    GET  /chargers/<id>                 one charger's state
    POST /chargers/<id>/plug-in         optional JSON body: {"car_max_kw": 7.4, "battery_kwh": 60, "soc": 0.3}
    POST /chargers/<id>/unplug
    POST /chargers/<id>/disconnect      drop the socket (stays offline until reconnect)
    POST /chargers/<id>/reconnect
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from chargers.simulator.fleet import CarSpec, Fleet

MAX_BODY_BYTES = 64 * 1024
_CAR_FIELDS = {"car_max_kw": "max_kw", "battery_kwh": "battery_kwh", "soc": "soc"}


async def serve_control(fleet: Fleet, port: int, host: str = "127.0.0.1") -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                method, path, body = await _read_request(reader)
            status, payload = await dispatch(fleet, method, path, body)
        except (ValueError, TimeoutError, asyncio.IncompleteReadError) as error:
            status, payload = HTTPStatus.BAD_REQUEST, {"error": f"bad request: {error}"}
        await _write_response(writer, status, payload)

    return await asyncio.start_server(handle, host, port)


async def dispatch(fleet: Fleet, method: str, path: str, body: bytes) -> tuple[HTTPStatus, Any]:
    """Route one request to the fleet; the answer's status and JSON body."""
    if method == "OPTIONS":  # the browser's CORS preflight for a JSON POST
        return HTTPStatus.NO_CONTENT, None
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    if parts == ["chargers"] and method == "GET":
        return HTTPStatus.OK, [charger.snapshot() for charger in fleet.chargers.values()]
    if len(parts) not in (2, 3) or parts[0] != "chargers":
        return HTTPStatus.NOT_FOUND, {"error": "no such route"}
    charger = fleet.chargers.get(parts[1])
    if charger is None:
        return HTTPStatus.NOT_FOUND, {"error": f"no charger {parts[1]}"}
    action = parts[2] if len(parts) == 3 else None
    if action is None and method == "GET":
        return HTTPStatus.OK, charger.snapshot()
    if method != "POST" or action is None:
        return HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST for actions, GET for state"}
    if action == "plug-in":
        if charger.engine.car is not None:
            return HTTPStatus.CONFLICT, {"error": "a car is already plugged in"}
        await fleet.plug_in(charger, _car(fleet.car, body))
    elif action == "unplug":
        if charger.engine.car is None:
            return HTTPStatus.CONFLICT, {"error": "no car plugged in"}
        await charger.unplug()
    elif action == "disconnect":
        await charger.disconnect()
    elif action == "reconnect":
        await charger.reconnect(timeout_s=5)
    else:
        return HTTPStatus.NOT_FOUND, {"error": f"no action {action}"}
    return HTTPStatus.OK, charger.snapshot()


def _car(default: CarSpec, body: bytes) -> CarSpec:
    data = json.loads(body) if body.strip() else {}
    if not isinstance(data, dict) or set(data) - set(_CAR_FIELDS):
        raise ValueError(f"body may only hold {sorted(_CAR_FIELDS)}")
    try:
        return replace(default, **{_CAR_FIELDS[key]: float(value) for key, value in data.items()})
    except TypeError as error:  # a number was expected
        raise ValueError(str(error)) from error


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    method, path, _version = (await reader.readline()).decode("latin-1").split()
    length = 0
    while (line := (await reader.readline()).decode("latin-1").strip()) != "":
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if not 0 <= length <= MAX_BODY_BYTES:
        raise ValueError("body too large")
    return method.upper(), path, await reader.readexactly(length)


async def _write_response(writer: asyncio.StreamWriter, status: HTTPStatus, payload: Any) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
        "Access-Control-Allow-Headers: Content-Type\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
        writer.close()
        await writer.wait_closed()
