"""Off-peak windows: wall-clock periods, the same every day, that may cross midnight.

Stored as the homeowner wrote them ("23:30-05:30, 12:00-14:00") and turned into Axle's
`off_peak_times` (OpenStreetMap opening-hours syntax, no weekday selectors) with any window across
midnight split at midnight: 23:30-05:30 -> "00:00-05:30, 23:30-24:00".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from itertools import pairwise

from django.core.exceptions import ValidationError

MINUTES_PER_DAY = 24 * 60
_WINDOW_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, order=True)
class Segment:
    """A stretch of one day, [start, end) in minutes after midnight; end may be 1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_fmt(self.start)}-{_fmt(self.end)}"


@dataclass(frozen=True)
class Window:
    """An off-peak window as entered; crosses midnight when end <= start (e.g. 23:30-05:30)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_fmt(self.start)}-{_fmt(self.end)}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def minutes(self) -> int:
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def segments(self) -> list[Segment]:
        if self.crosses_midnight:
            parts = [Segment(0, self.end), Segment(self.start, MINUTES_PER_DAY)]
            return [s for s in parts if s.end > s.start]
        return [Segment(self.start, self.end)]

    def contains(self, at: time) -> bool:
        minute = at.hour * 60 + at.minute
        return any(s.start <= minute < s.end for s in self.segments())


def _parse_clock(hours: str, minutes: str, *, text: str, is_end: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not is_end)):
        raise ValidationError(
            f"{text!r}: {hours}:{minutes} is not a time of day (use 00:00 to 23:59; 24:00 only as an end).",
            code="offpeak_time",
        )
    return h * 60 + m


def parse_windows(text: str) -> list[Window]:
    """Parse "HH:MM-HH:MM, ..." into windows, refusing malformed, empty and overlapping ones."""
    windows: list[Window] = []
    for raw in (part.strip() for part in (text or "").split(",")):
        if not raw:
            continue
        match = _WINDOW_RE.match(raw)
        if not match:
            raise ValidationError(
                f"{raw!r} is not an off-peak window; write each as start-end, e.g. 23:30-05:30.",
                code="offpeak_format",
            )
        start = _parse_clock(match[1], match[2], text=raw, is_end=False)
        end = _parse_clock(match[3], match[4], text=raw, is_end=True)
        if start == end % MINUTES_PER_DAY and not (start == 0 and end == MINUTES_PER_DAY):
            raise ValidationError(
                f"{raw!r} starts and ends at the same time, so it is empty. For off-peak all day, write 00:00-24:00.",
                code="offpeak_empty",
            )
        windows.append(Window(start, end))
    _refuse_overlaps(windows)
    return windows


def _refuse_overlaps(windows: list[Window]) -> None:
    # Sorted by the segment alone: two equal segments must not fall back to comparing their windows.
    owned = sorted(((seg, window) for window in windows for seg in window.segments()), key=lambda pair: pair[0])
    for (prev, prev_window), (seg, window) in pairwise(owned):
        if seg.start < prev.end:
            raise ValidationError(
                f"The off-peak windows {prev_window} and {window} overlap; enter each part of the day only once.",
                code="offpeak_overlap",
            )


def day_segments(windows: list[Window]) -> list[Segment]:
    """The windows as sorted, merged stretches of one day (touching stretches joined)."""
    merged: list[Segment] = []
    for seg in sorted(s for w in windows for s in w.segments()):
        if merged and seg.start <= merged[-1].end:
            merged[-1] = Segment(merged[-1].start, max(merged[-1].end, seg.end))
        else:
            merged.append(seg)
    return merged


def to_axle_off_peak_times(windows: list[Window]) -> str:
    """Axle's `off_peak_times`: "00:00-05:30, 23:30-24:00"; "" when there is no off-peak time."""
    return ", ".join(str(s) for s in day_segments(windows))


def format_windows(windows: list[Window]) -> str:
    """The canonical stored form, in the order entered: "23:30-05:30, 12:00-14:00"."""
    return ", ".join(str(w) for w in windows)


def validate_windows_text(text: str) -> None:
    parse_windows(text)
