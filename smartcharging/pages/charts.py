"""Geometry for the charts drawn as inline SVG by the templates (no JavaScript chart library).

Pure: a plan or a tariff's windows in, rectangles and labels in SVG user units out. The templates
only place what is computed here, so tests can check the drawing without parsing SVG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from smartcharging import offpeak
from smartcharging.plan import SLOT, PlanSlot, PlanSummary

from .formatting import clock, clock_up, kwh

WIDTH = 360
# Rows of the plan chart, top to bottom: marker labels, tariff-rate strip, the plot, hour labels.
MARKER_Y = 12
RATE_TOP, RATE_HEIGHT = 18, 16
PLOT_TOP, PLOT_BOTTOM = 40, 176
PLAN_HEIGHT = 198
LEFT, RIGHT = 8, WIDTH - 8


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Rect:
    x: str
    width: str
    label: str = ""
    middle: str = ""  # where the label is centred
    off_peak: bool = False


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    starts: str  # site clock, "23:30"
    ends: str
    power_kw: Decimal


@dataclass(frozen=True)
class Label:
    x: str
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class PlanChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    off_peak: tuple[Rect, ...]  # shaded behind the bars
    rates: tuple[Rect, ...]  # the rate strip: one rect per run of equal rate, labelled "9p"
    ticks: tuple[Label, ...]
    ready_by: Label | None
    reached: Label | None
    full_power: str  # "7.4 kW", the top of the plot
    description: str  # what a screen reader says instead of the picture
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM
    plot_height: int = PLOT_BOTTOM - PLOT_TOP
    marker_y: int = MARKER_Y
    rate_top: int = RATE_TOP
    rate_height: int = RATE_HEIGHT
    rate_label_y: int = RATE_TOP + 12
    tick_y: int = PLOT_BOTTOM + 16
    left: int = LEFT
    right: int = RIGHT


def _runs(slots: tuple[PlanSlot, ...], key: Callable[[PlanSlot], object]) -> list[tuple[int, int]]:
    """[first, last] slot indexes of each run of consecutive slots with the same key(slot)."""
    runs: list[tuple[int, int]] = []
    values = [key(s) for s in slots]
    for i, value in enumerate(values):
        if runs and values[runs[-1][1]] == value:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _label_anchor(x: float) -> str:
    if x < LEFT + 40:
        return "start"
    if x > RIGHT - 40:
        return "end"
    return "middle"


def plan_chart(plan: PlanSummary, *, ready_by: datetime, full_kw: Decimal, zone: ZoneInfo) -> PlanChart | None:
    """The plan as bars of charging power per run of equal power, over off-peak shading and rates.

    The plan starts now (or when the schedule starts, if later), so the left edge is "now".
    """
    if not plan.slots:
        return None
    t0, t1 = plan.slots[0].start, plan.slots[-1].start + SLOT
    span = (t1 - t0).total_seconds()

    def x(at: datetime) -> float:
        return LEFT + (RIGHT - LEFT) * (at - t0).total_seconds() / span

    top_kw = max([full_kw, *(s.power_kw for s in plan.slots)]) or Decimal(1)
    bars = []
    for first, last in _runs(plan.slots, lambda s: s.power_kw):
        power = plan.slots[first].power_kw
        if power <= 0:
            continue
        start, end = plan.slots[first].start, plan.slots[last].start + SLOT
        height = float(power / top_kw) * (PLOT_BOTTOM - PLOT_TOP)
        bars.append(
            Bar(
                x=_n(x(start)),
                y=_n(PLOT_BOTTOM - height),
                width=_n(x(end) - x(start)),
                height=_n(height),
                starts=clock(start, zone),
                ends=clock(end, zone),
                power_kw=power,
            )
        )
    off_peak, rates = [], []
    for first, last in _runs(plan.slots, lambda s: (s.off_peak, s.rate_pence)):
        slot = plan.slots[first]
        start, end = slot.start, plan.slots[last].start + SLOT
        width = x(end) - x(start)
        if slot.off_peak:
            off_peak.append(Rect(_n(x(start)), _n(width)))
        rate = f"{slot.rate_pence.normalize():f}p" if slot.rate_pence is not None else ""
        rates.append(
            Rect(_n(x(start)), _n(width), rate if width >= 26 else "", _n(x(start) + width / 2), slot.off_peak)
        )
    return PlanChart(
        width=WIDTH,
        height=PLAN_HEIGHT,
        bars=tuple(bars),
        off_peak=tuple(off_peak),
        rates=tuple(rates),
        ticks=_hour_ticks(t0, t1, x, zone),
        ready_by=_marker(ready_by, f"Ready {clock(ready_by, zone)}", t0, t1, x),
        reached=_marker(
            plan.reaches_target_at, f"{kwh(plan.target_kwh)} by {clock_up(plan.reaches_target_at, zone)}", t0, t1, x
        )
        if plan.reaches_target_at
        else None,
        full_power=f"{top_kw.normalize():f} kW",
        description=_describe(bars, plan, ready_by, zone),
    )


def _marker(at: datetime, text: str, t0: datetime, t1: datetime, x: Callable[[datetime], float]) -> Label | None:
    if not t0 <= at <= t1:
        return None
    position = x(at)
    return Label(_n(position), text, _label_anchor(position))


def _hour_ticks(t0: datetime, t1: datetime, x: Callable[[datetime], float], zone: ZoneInfo) -> tuple[Label, ...]:
    """Whole hours on the site's clock, every 1, 2 or 3 hours so the labels never touch on a phone."""
    hours = (t1 - t0) / timedelta(hours=1)
    step = 1 if hours <= 6 else 2 if hours <= 12 else 3 if hours <= 18 else 4 if hours <= 24 else 6
    ticks = []
    at = t0.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    while at <= t1:
        if at >= t0 and at.hour % step == 0:
            position = x(at)
            ticks.append(Label(_n(position), f"{at:%H:%M}", _label_anchor(position)))
        # Adding an hour in UTC steps through clock changes correctly (wall-clock addition would not).
        at = (at.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(zone)
    return tuple(ticks)


def _describe(bars: list[Bar], plan: PlanSummary, ready_by: datetime, zone: ZoneInfo) -> str:
    if not bars:
        charging = "No charging planned"
    else:
        charging = "Charging " + ", ".join(
            f"at {b.power_kw.normalize():f} kW from {b.starts} to {b.ends}" for b in bars
        )
    return f"{charging}; ready by {clock(ready_by, zone)}; {kwh(plan.energy_kwh)} planned."


# --- Tariff: a 24-hour strip ------------------------------------------------------------------

DAY_HEIGHT = 46
DAY_TOP, DAY_BAR = 4, 24


@dataclass(frozen=True)
class DayStrip:
    width: int
    height: int
    windows: tuple[Rect, ...]
    ticks: tuple[Label, ...]
    description: str
    top: int = DAY_TOP
    bar: int = DAY_BAR
    tick_y: int = DAY_TOP + DAY_BAR + 16
    left: int = LEFT
    span: int = RIGHT - LEFT


def day_strip(windows: list[offpeak.Window]) -> DayStrip:
    """The day from midnight to midnight with the off-peak windows filled (split at midnight)."""

    def x(minute: int) -> float:
        return LEFT + (RIGHT - LEFT) * minute / offpeak.MINUTES_PER_DAY

    rects = tuple(Rect(_n(x(s.start)), _n(x(s.end) - x(s.start)), str(s)) for s in offpeak.day_segments(windows))
    ticks = tuple(Label(_n(x(h * 60)), f"{h:02d}:00", _label_anchor(x(h * 60))) for h in range(0, 25, 6))
    text = ", ".join(str(w) for w in windows)
    return DayStrip(
        width=WIDTH,
        height=DAY_HEIGHT,
        windows=rects,
        ticks=ticks,
        description=f"Off-peak {text}" if windows else "The same price all day",
    )
