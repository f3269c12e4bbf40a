import uuid

import pytest


@pytest.fixture(autouse=True)
def _cache_of_the_tests_own(settings):
    """Counts of failed sign-ins and reset requests start at nothing in every test.

    They live in the cache, keyed by email and client address, and the test client always comes
    from 127.0.0.1 while factories make the same emails in every run: on Redis, counts would carry
    over between tests and runs. A key prefix of the test's own keeps them apart without clearing
    a cache that the broker may share.
    """
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()
    }
