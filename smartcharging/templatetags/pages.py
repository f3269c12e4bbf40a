"""Template filters for the homeowner pages: energy and money as people read them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import template

from smartcharging.pages import formatting

register = template.Library()


@register.filter
def kwh(value: Decimal | float | int | None) -> str:
    return "\u2013" if value is None else formatting.kwh(value)


@register.filter
def ceil_minute(value: datetime | None) -> datetime | None:
    """Round up to the minute, for "reached by" times (03:33:15 is reached by 03:34)."""
    return None if value is None else formatting.ceil_minute(value)


@register.filter
def pounds(pence: Decimal | int | None) -> str:
    return formatting.pounds(pence)
