"""Rewards from Axle for the homeowner pages: balance and transactions, briefly cached; the
withdrawal link fetched only when the homeowner asks, and never stored or logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from chargers.models import Site
from smartcharging.axle import client
from smartcharging.axle.errors import AxleError
from smartcharging.axle.types import RewardsInfo, RewardsTransactions

logger = logging.getLogger(__name__)

# Rewards settle daily at Axle; five minutes keeps pages fast without showing a stale day.
REWARDS_CACHE_S = 300


@dataclass(frozen=True)
class Rewards:
    info: RewardsInfo
    transactions: RewardsTransactions


class RewardsUnavailable(Exception):
    """Rewards cannot be shown now; the message says why in words for the homeowner."""


def _require_site_id(site: Site) -> str:
    if site.axle_site_id is None:
        raise RewardsUnavailable("Rewards appear here once your home has joined the programme.")
    return str(site.axle_site_id)


def rewards_for_site(site: Site) -> Rewards:
    """The site's balance and transactions, from a short-lived cache or from Axle."""
    site_id = _require_site_id(site)
    key = f"axle:rewards:{site_id}"
    cached = cache.get(key)
    if isinstance(cached, Rewards):
        return cached
    try:
        rewards = Rewards(
            info=client.rewards_info(site_id=site_id),
            transactions=client.rewards_transactions(site_id=site_id),
        )
    except AxleError as error:
        logger.warning("Rewards for site %s unavailable: %s", site.pk, error.message)
        raise RewardsUnavailable(
            "Your rewards cannot be shown right now. Nothing is lost: please try again later."
        ) from error
    cache.set(key, rewards, timeout=REWARDS_CACHE_S)
    return rewards


def withdrawal_link(site: Site, *, redirect_uri: str) -> str:
    """A one-time link (valid 60 minutes) where the homeowner withdraws their balance.

    Anyone holding it can withdraw the money: hand it straight to the homeowner's browser; it is
    never cached, stored or logged.
    """
    site_id = _require_site_id(site)
    try:
        return client.withdrawal_url(site_id=site_id, redirect_uri=redirect_uri).url
    except AxleError as error:
        logger.warning("Withdrawal link for site %s unavailable: %s", site.pk, error.message)
        raise RewardsUnavailable(
            "The withdrawal page cannot be opened right now; your balance is safe. Please try again later."
        ) from error
