"""The throttle's window counter, on whichever cache the run has (Redis in CI, the file cache locally)."""

import time
import uuid

from django.core.cache import cache

from smartcharging.cache import window_count


def test_counts_each_call_and_keeps_windows_apart():
    window, other = f"test:window:{uuid.uuid4()}", f"test:window:{uuid.uuid4()}"
    assert [window_count(window, timeout=60) for _ in range(3)] == [1, 2, 3]
    assert window_count(other, timeout=60) == 1
    assert cache.get(window) == 3  # an ordinary cache value: the admin's cache tools can read it


def test_the_window_ends_after_its_first_count_and_is_not_extended_by_later_ones():
    window = f"test:window:{uuid.uuid4()}"
    assert window_count(window, timeout=2) == 1
    time.sleep(1.2)
    assert window_count(window, timeout=2) == 2  # later counts must not push the end out
    time.sleep(1.2)
    assert window_count(window, timeout=2) == 1  # 2.4 s after the first count: a new window
