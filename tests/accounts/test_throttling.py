"""Counting in the cache (Redis in CI, local memory otherwise): request windows and failed credentials."""

import time
import uuid

from django.core.cache import cache

from accounts.throttling import FailureLimit, failure_record, failures_clear, failures_wait_s, window_count


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


def test_a_key_is_locked_out_at_its_limit_for_the_cool_off_and_others_are_not():
    limit = FailureLimit(name=f"test-{uuid.uuid4()}", failures=3, cool_off_s=60)
    assert failure_record(limit, ["ann@example.com", "10.0.0.1"]) == 0
    assert failure_record(limit, ["ann@example.com", "10.0.0.2"]) == 0
    assert failures_wait_s(limit, ["ann@example.com"]) == 0
    assert failure_record(limit, ["ann@example.com", "10.0.0.3"]) == 60  # the third failure locks the account
    assert 59 <= failures_wait_s(limit, ["ann@example.com", "10.0.0.9"]) <= 60
    assert failures_wait_s(limit, ["bob@example.com", "10.0.0.1"]) == 0  # each address failed only once
    other = FailureLimit(name=f"test-{uuid.uuid4()}", failures=3, cool_off_s=60)
    assert failures_wait_s(other, ["ann@example.com"]) == 0  # limits are kept apart


def test_clearing_forgets_failures_and_the_lock():
    limit = FailureLimit(name=f"test-{uuid.uuid4()}", failures=2, cool_off_s=60)
    failure_record(limit, ["ann@example.com"])
    failure_record(limit, ["ann@example.com"])
    assert failures_wait_s(limit, ["ann@example.com"]) > 0
    failures_clear(limit, ["ann@example.com"])
    assert failures_wait_s(limit, ["ann@example.com"]) == 0
    assert failure_record(limit, ["ann@example.com"]) == 0  # counting starts again from one


def test_the_lock_ends_with_the_cool_off():
    limit = FailureLimit(name=f"test-{uuid.uuid4()}", failures=1, cool_off_s=1)
    assert failure_record(limit, ["10.0.0.1"]) == 1
    assert failures_wait_s(limit, ["10.0.0.1"]) == 1
    time.sleep(1.3)
    assert failures_wait_s(limit, ["10.0.0.1"]) == 0
