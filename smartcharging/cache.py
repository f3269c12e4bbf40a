"""The cache backends, with a counter that costs one Redis round trip.

Axle's schedule pushes are throttled per client with a counter in the cache, on every request.
Django's RedisCache builds a new redis client object for each call (about 0.1 ms of Python) and
its `incr` is two round trips (EXISTS, then INCRBY) after the `add` that creates the key.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ClientPerPool(RedisCacheClient):
    """One redis client per connection pool: the client is a thread-safe handle on its pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # django-stubs leaves out the helpers Django's own get_client uses.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:  # made in the process that uses it (after a server forks its workers)
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    _class = _ClientPerPool

    def window_count(self, key: str, timeout: int) -> int:
        """Add one to the counter `key`, which expires `timeout` s after its first count: one round trip."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, timeout, nx=True)  # only the first count sets the window's end
        count, _ = pipeline.execute()
        return int(count)
