"""Flex Lite's answer at plug-in: the user's own charging blocks with one 30-minute pause.

Axle chooses the pause from the grid's needs; the stand-in places it by a fixed rule so a test or a
demo can predict it: the first half hour aligned to :00 or :30 UTC that starts at least 90 minutes
into a block and ends inside it (blocks 23:30-05:30 become 23:30-01:00 and 01:30-05:30). Blocks too
short to hold it come back unchanged, which Axle's "usually one pause" allows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

PAUSE = timedelta(minutes=30)
PAUSE_NOT_BEFORE = timedelta(minutes=90)

Block = tuple[datetime, datetime]


def _next_half_hour(moment: datetime) -> datetime:
    """`moment`, or the first :00 or :30 (UTC) after it."""
    seconds = moment.timestamp()
    aligned = -(-seconds // 1800) * 1800
    return moment + timedelta(seconds=aligned - seconds)


def with_one_pause(blocks: list[Block]) -> list[Block]:
    for index, (start, end) in enumerate(blocks):
        pause_at = _next_half_hour(start + PAUSE_NOT_BEFORE)
        if pause_at + PAUSE <= end:
            return [*blocks[:index], (start, pause_at), (pause_at + PAUSE, end), *blocks[index + 1 :]]
    return list(blocks)
