"""Opening WebSocket handshakes to a gateway, as a charger would, and reading the answers."""

from __future__ import annotations

import base64

from asgiref.sync import async_to_sync
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.chargers.ocpp.conftest import gateway_running


def basic(user: str, password: str | bytes) -> dict[str, str]:
    secret = password if isinstance(password, bytes) else password.encode()
    return {"Authorization": "Basic " + base64.b64encode(user.encode() + b":" + secret).decode()}


def handshakes(*attempts: tuple[str, dict[str, str]]):
    """Open a connection for each (charge point id, headers), in order, through one gateway; each one's
    (status, body, headers): 101 for a connection the gateway accepted."""

    async def scenario():
        answers = []
        async with gateway_running() as gateway:
            for charge_point_id, headers in attempts:
                url = f"ws://127.0.0.1:{gateway.port}/ocpp/{charge_point_id}"
                try:
                    async with connect(url, subprotocols=["ocpp1.6"], additional_headers=headers):
                        answers.append((101, "", {}))
                except InvalidStatus as refused:
                    response = refused.response
                    answers.append((response.status_code, response.body.decode(), response.headers))
        return answers

    return async_to_sync(scenario)()
