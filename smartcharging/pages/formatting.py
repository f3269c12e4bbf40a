"""Times, energy and money as the homeowner reads them: site clock time, kWh, pounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


def clock(at: datetime, zone: ZoneInfo) -> str:
    """ "07:00" on the site's wall clock."""
    return f"{at.astimezone(zone):%H:%M}"


def clock_up(at: datetime, zone: ZoneInfo) -> str:
    """The next whole minute at or after `at`: energy reached at 03:33:15 is there "by 03:34"."""
    return clock(ceil_minute(at), zone)


def ceil_minute(at: datetime) -> datetime:
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(minutes=1)


def day_clock(at: datetime, zone: ZoneInfo, *, now: datetime) -> str:
    """ "07:00 today", "07:00 tomorrow", "07:00 Wed 15 Apr": near days in words, others dated."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M} today"
    if local.date() == today + timedelta(days=1):
        return f"{local:%H:%M} tomorrow"
    if local.date() == today - timedelta(days=1):
        return f"{local:%H:%M} yesterday"
    return f"{local:%H:%M} {local:%a} {local.day} {local:%b}"


def kwh(value: Decimal | float | int) -> str:
    """ "30 kWh", "4.4 kWh": one decimal at most, none when whole; never split across two lines."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = f"{rounded:f}".removesuffix(".0")
    return f"{text}\u00a0kWh"


def pounds(pence: Decimal | int | None) -> str:
    """Axle and the plan count pence; people read pounds: 270 -> "£2.70", -3000 -> "-£30.00" (with a minus sign)."""
    if pence is None:
        return "\u2013"
    amount = (Decimal(pence) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "\u2212" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
