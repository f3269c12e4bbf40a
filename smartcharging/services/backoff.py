"""When to try again after a failure Axle may get over: shared by the outbox and the readings."""

from __future__ import annotations

import random


def backoff_delay(attempts: int, *, base_s: float, cap_s: float, retry_after: float | None = None) -> float:
    """Seconds before try `attempts + 1`: exponential from `base_s`, capped at `cap_s`, with equal
    jitter (so many failed rows do not all come back at once), and never sooner than Retry-After."""
    ceiling = min(cap_s, base_s * 2 ** min(attempts - 1, 30))  # the exponent bound keeps it a float
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
    return max(delay, retry_after or 0.0)
