"""Fault switches: make the stand-in fail the way a real Axle sometimes does, on purpose.

Set them through `/_standin/faults/...` or directly on `StandIn.faults` in tests. Each switch is
used up request by request (or runs out at its deadline), so a test or a demo sees exactly the
number of failures it asked for. The control endpoints themselves are never faulted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

ReadingRefusal = Literal["transient", "permanent"]
AfterTimeout = Literal["drop", "process"]

# The platform's readings sender retries a refused reading only when the error reads as transient
# ("try again", "temporarily", ...); these two wordings land on either side of that rule.
TRANSIENT_READING_ERROR = "Readings store temporarily unavailable, try again later"
PERMANENT_READING_ERROR = "Reading rejected: asset not configured for readings"


@dataclass
class ErrorRule:
    status: int  # 500, 503, 504...
    remaining: int | None  # requests still to fail; None when only the deadline counts
    until: float | None  # time.monotonic() deadline; None when only the count counts
    path_prefix: str
    retry_after: int | None


@dataclass
class TimeoutRule:
    remaining: int
    sleep_s: float  # longer than the client's read timeout
    path_prefix: str
    then: AfterTimeout  # "drop": nothing stored, then 504; "process": stored, the answer arrives too late


@dataclass
class ReadingRule:
    remaining: int
    kind: ReadingRefusal


class Faults:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.errors: list[ErrorRule] = []
        self.timeouts: list[TimeoutRule] = []
        self.readings: list[ReadingRule] = []

    def fail_with(
        self,
        status: int = 503,
        *,
        count: int | None = None,
        seconds: float | None = None,
        path_prefix: str = "",
        retry_after: int | None = None,
    ) -> ErrorRule:
        """Answer `status` to the next `count` requests, or to all for `seconds` (or both: whichever ends first)."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        if count is None and seconds is None:
            count = 1
        until = self._clock() + seconds if seconds is not None else None
        rule = ErrorRule(status, count, until, path_prefix, retry_after)
        with self._lock:
            self.errors.append(rule)
        return rule

    def time_out(
        self, *, count: int = 1, sleep_s: float = 30.0, path_prefix: str = "", then: AfterTimeout = "drop"
    ) -> TimeoutRule:
        rule = TimeoutRule(count, sleep_s, path_prefix, then)
        with self._lock:
            self.timeouts.append(rule)
        return rule

    def refuse_readings(self, *, count: int = 1, kind: ReadingRefusal = "transient") -> ReadingRule:
        rule = ReadingRule(count, kind)
        with self._lock:
            self.readings.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.errors.clear()
            self.timeouts.clear()
            self.readings.clear()

    def take_error(self, path: str) -> ErrorRule | None:
        """The error rule this request falls under, one use of it spent; None to answer normally."""
        with self._lock:
            now = self._clock()
            self.errors = [rule for rule in self.errors if _alive(rule, now)]
            for rule in self.errors:
                if path.startswith(rule.path_prefix):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    def take_timeout(self, path: str) -> TimeoutRule | None:
        with self._lock:
            self.timeouts = [rule for rule in self.timeouts if rule.remaining > 0]
            for rule in self.timeouts:
                if path.startswith(rule.path_prefix):
                    rule.remaining -= 1
                    return rule
        return None

    def take_reading_refusal(self) -> str | None:
        """The error for the next reading, if a switch says to refuse it; None to judge it normally."""
        with self._lock:
            self.readings = [rule for rule in self.readings if rule.remaining > 0]
            if not self.readings:
                return None
            rule = self.readings[0]
            rule.remaining -= 1
            return TRANSIENT_READING_ERROR if rule.kind == "transient" else PERMANENT_READING_ERROR

    def describe(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            return {
                "errors": [
                    {**asdict(rule), "until": None, "seconds_left": _seconds_left(rule, now)}
                    for rule in self.errors
                    if _alive(rule, now)
                ],
                "timeouts": [asdict(rule) for rule in self.timeouts if rule.remaining > 0],
                "readings": [asdict(rule) for rule in self.readings if rule.remaining > 0],
            }


def _alive(rule: ErrorRule, now: float) -> bool:
    if rule.remaining is not None and rule.remaining <= 0:
        return False
    return rule.until is None or now < rule.until


def _seconds_left(rule: ErrorRule, now: float) -> float | None:
    return None if rule.until is None else round(max(rule.until - now, 0.0), 3)
