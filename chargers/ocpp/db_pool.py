"""The gateway's database threads, which take command work before chargers' reports.

Chargers report in bursts: clock-aligned meter values, or a fleet whose cars all plugged in at
once, reach the gateway within a second of each other, and each costs a few queries. With one
first-come queue, a schedule's SetChargingProfile waited behind a thousand MeterValues for five
seconds. Reports can wait a few seconds without harm (chargers expect their answers within the
OCPP timeout, tens of seconds); a schedule cannot. Same threads, so no more GIL contention than
before: only the order in which they take work changes.

The order is by deadline, not strict priority: a report is due REPORT_LEAD_S after it arrived, a
command at once. A command passes every report younger than that, but a report never waits more
than REPORT_LEAD_S behind commands, so a stream of commands (a thousand chargers booting and being
asked their configuration) cannot starve the reports until chargers give up on their answers.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

_T = TypeVar("_T")

FIRST = 0  # commands to chargers: their sending and the recording of their answers
NORMAL = 1  # everything chargers report, connections
REPORT_LEAD_S = 10.0  # well inside the 30 s or more a charger waits for an answer
_LEAD_S = {FIRST: 0.0, NORMAL: REPORT_LEAD_S}


class PriorityThreadPool(Executor):
    """A fixed set of threads running submitted calls, earliest deadline first (see above)."""

    def __init__(self, threads: int, *, name: str, on_exit: Callable[[], object] | None = None) -> None:
        """`on_exit` runs in each thread as it stops, after the last of its work (the gateway's closes
        the thread's database connection)."""
        self._queue: queue.PriorityQueue[tuple[float, int, Future[Any] | None, Callable[[], Any] | None]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()  # ties keep arrival order, and never compare the calls
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(threads)]
        self._stopping = False
        self._on_exit = on_exit
        for thread in self._threads:
            thread.start()

    def submit_at(self, priority: int, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        if self._stopping:
            raise RuntimeError("The database threads are shutting down.")
        future: Future[_T] = Future()
        due = time.monotonic() + _LEAD_S[priority]
        self._queue.put((due, next(self._order), future, lambda: fn(*args, **kwargs)))
        return future

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        return self.submit_at(NORMAL, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._stopping = True
        for _ in self._threads:
            self._queue.put((math.inf, next(self._order), None, None))  # after all queued work
        if wait:
            for thread in self._threads:
                thread.join()

    def _work(self) -> None:
        while True:
            _, _, future, call = self._queue.get()
            if future is None or call is None:
                if self._on_exit is not None:
                    self._on_exit()
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as error:  # handed to the waiting coroutine, as ThreadPoolExecutor does
                future.set_exception(error)
            else:
                future.set_result(result)
