"""Homeowner page views: thin, each starting from the signed-in user's household."""

from .charger import boost, boost_stop, demo_car_move, home, plan, plan_live
from .history import history, rewards, withdraw
from .join import consent_withdraw, join, join_rejoin
from .leaving import membership, membership_start, membership_stop, move_out, moved_out
from .needs import needs, tonight, tonight_cancel
from .tariff import tariff

__all__ = [
    "boost",
    "boost_stop",
    "consent_withdraw",
    "demo_car_move",
    "history",
    "home",
    "join",
    "join_rejoin",
    "membership",
    "membership_start",
    "membership_stop",
    "move_out",
    "moved_out",
    "needs",
    "plan",
    "plan_live",
    "rewards",
    "tariff",
    "tonight",
    "tonight_cancel",
    "withdraw",
]
