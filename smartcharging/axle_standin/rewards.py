"""The stand-in's rewards ledger, in pence, and its one rule for earning.

Axle pays for flexibility it settles against market prices; the stand-in has no market, so it uses
a rule simple enough to check by hand: each accepted `charger_consumption_energy_kwh` reading of an
asset whose site is enrolled in Smart Charging (`full_asset_schedule_control`) earns
`credit_pence_per_kwh` for the part of its energy used inside the off-peak windows of the asset's
last tariff (energy spread evenly over the half hour). That is the energy moved off-peak: the
flexible energy. Each credit is one transaction, rounded half up to whole pence; a credit that rounds
to 0 p is not recorded. Withdrawals (through the fake withdrawal link) are negative transactions.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from smartcharging.planner import off_peak_intervals

from .planner_bridge import tariff_windows
from .state import AssetRecord, State, TransactionRecord, iso

CREDIT_LABEL = "charger_consumption_energy_kwh"
SETTLEMENT_DELAY = timedelta(days=1)


def off_peak_share(asset: AssetRecord, start: datetime, end: datetime) -> float:
    """The fraction of [start, end) inside the asset's off-peak windows (0 without a tariff)."""
    if asset["tariff"] is None:
        return 0.0
    windows, zone = tariff_windows(asset["tariff"])
    inside = sum((b - a).total_seconds() for a, b in off_peak_intervals(windows, zone, start, end))
    return inside / (end - start).total_seconds()


def credit_reading(
    state: State, asset: AssetRecord, *, start: datetime, end: datetime, kwh: float, pence_per_kwh: float
) -> TransactionRecord | None:
    """Credit the site for one newly accepted reading, by the rule above; call with the state locked."""
    if not state.enrolled(asset["site_id"], "full_asset_schedule_control"):
        return None
    flex_kwh = Decimal(str(kwh)) * Decimal(str(off_peak_share(asset, start, end)))
    pence = int((flex_kwh * Decimal(str(pence_per_kwh))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pence <= 0:
        return None
    transaction: TransactionRecord = {
        "transaction_id": str(uuid.uuid4()),
        "transaction_type": "smart charging",
        "start_time": iso(start),
        "end_time": iso(end),
        "settlement_date": (end + SETTLEMENT_DELAY).date().isoformat(),
        "flex_kwh": float(flex_kwh.quantize(Decimal("0.001"))),
        "credit_pence": pence,
        "payment_status": None,
        "asset_id": asset["asset_id"],
    }
    state.ledger.setdefault(asset["site_id"], []).append(transaction)
    return transaction


def manual_credit(state: State, site_id: str, *, pence: int, flex_kwh: float | None, at: datetime) -> TransactionRecord:
    """A credit given by hand through the control API, as Axle credits a flex event."""
    transaction: TransactionRecord = {
        "transaction_id": str(uuid.uuid4()),
        "transaction_type": "flex event",
        "start_time": iso(at),
        "end_time": iso(at),
        "settlement_date": (at + SETTLEMENT_DELAY).date().isoformat(),
        "flex_kwh": flex_kwh,
        "credit_pence": pence,
        "payment_status": None,
        "asset_id": None,
    }
    state.ledger.setdefault(site_id, []).append(transaction)
    return transaction


def withdraw(state: State, site_id: str, *, at: datetime) -> TransactionRecord | None:
    """Pay out the whole balance (what following the withdrawal link does); None if there is nothing."""
    amount = balance(state, site_id)
    if amount <= 0:
        return None
    transaction: TransactionRecord = {
        "transaction_id": str(uuid.uuid4()),
        "transaction_type": "withdrawal",
        "start_time": iso(at),
        "end_time": None,
        "settlement_date": None,
        "flex_kwh": None,
        "credit_pence": -amount,
        "payment_status": "posted",
        "asset_id": None,
    }
    state.ledger.setdefault(site_id, []).append(transaction)
    return transaction


def balance(state: State, site_id: str) -> int:
    return sum(item["credit_pence"] for item in state.ledger.get(site_id, []))


def total_earnings(state: State, site_id: str) -> int:
    return sum(item["credit_pence"] for item in state.ledger.get(site_id, []) if item["credit_pence"] > 0)
