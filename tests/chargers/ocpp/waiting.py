"""Waiting, in a test, for something the gateway or the charger does in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import sync_to_async

T = TypeVar("T")


async def eventually(read: Callable[[], T], *, until: Callable[[T], bool], timeout_s: float = 5.0) -> T:
    """Poll `read` (a database read, run in the test's thread) until `until` holds; fail the test if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    value = await sync_to_async(read)()
    while not until(value) and loop.time() < deadline:
        await asyncio.sleep(0.02)
        value = await sync_to_async(read)()
    if not until(value):
        raise AssertionError(f"Gave up after {timeout_s} s waiting; the last value was {value!r}")
    return value


async def db(read: Callable[[], Awaitable[T]] | Callable[[], T]) -> T:
    return await sync_to_async(read)()  # type: ignore[return-value]
