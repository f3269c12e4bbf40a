"""The gateway's database threads take a command's work before queued reports, and lose none."""

import threading
import time

import pytest

from chargers.ocpp import db_pool
from chargers.ocpp.db_pool import FIRST, NORMAL, PriorityThreadPool


def test_a_command_queued_behind_a_burst_of_reports_runs_first():
    pool = PriorityThreadPool(1, name="test-db")
    busy, done = threading.Event(), []
    pool.submit(busy.wait)  # the one thread is busy: everything after this queues
    reports = [pool.submit_at(NORMAL, done.append, f"MeterValues {i}") for i in range(5)]
    command = pool.submit_at(FIRST, done.append, "SetChargingProfile")
    busy.set()
    command.result(timeout=5)
    for report in reports:
        report.result(timeout=5)
    assert done == ["SetChargingProfile"] + [f"MeterValues {i}" for i in range(5)]  # reports keep their order
    pool.shutdown()


def test_a_report_that_waited_its_lead_goes_before_newer_commands(monkeypatch):
    monkeypatch.setitem(db_pool._LEAD_S, NORMAL, 0.05)  # the 10 s lead, shortened for the test
    pool = PriorityThreadPool(1, name="test-db")
    busy, done = threading.Event(), []
    pool.submit(busy.wait)
    report = pool.submit_at(NORMAL, done.append, "StartTransaction")
    time.sleep(0.1)  # longer than its lead: it must not be starved by what comes after
    commands = [pool.submit_at(FIRST, done.append, f"GetConfiguration {i}") for i in range(3)]
    busy.set()
    report.result(timeout=5)
    for command in commands:
        command.result(timeout=5)
    assert done == ["StartTransaction"] + [f"GetConfiguration {i}" for i in range(3)]
    pool.shutdown()


def test_an_error_reaches_the_caller_and_the_thread_goes_on():
    pool = PriorityThreadPool(1, name="test-db")
    failing = pool.submit(int, "not a number")
    with pytest.raises(ValueError, match="not a number"):
        failing.result(timeout=5)
    assert pool.submit(int, "42").result(timeout=5) == 42
    pool.shutdown()


def test_shutdown_finishes_queued_work_then_refuses_more():
    pool = PriorityThreadPool(2, name="test-db")
    busy, done = threading.Event(), []
    pool.submit(busy.wait)
    pool.submit(busy.wait)
    queued = [pool.submit(done.append, i) for i in range(10)]
    busy.set()
    pool.shutdown(wait=True)
    assert all(future.done() for future in queued)
    assert sorted(done) == list(range(10))
    with pytest.raises(RuntimeError, match="shutting down"):
        pool.submit(done.append, 11)


def test_each_thread_runs_its_exit_hook_after_its_last_work():
    ran = []
    pool = PriorityThreadPool(2, name="test-db", on_exit=lambda: ran.append(("exit", threading.current_thread().name)))
    pool.submit(lambda: ran.append(("work", threading.current_thread().name))).result(timeout=5)
    pool.shutdown(wait=True)
    assert sorted(name for what, name in ran if what == "exit") == ["test-db-0", "test-db-1"]
    assert ran[0][0] == "work"
