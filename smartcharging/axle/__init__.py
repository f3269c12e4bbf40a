"""Axle Energy's API as the platform calls it (platform -> Axle).

One function per remote call in `client`; every call goes through `session._request`, which sets the
timeouts, shares one bearer token between processes (`token`) and raises the typed errors of
`errors`, each saying whether a retry can help. Shapes sent and received are in `types`.
"""

from .client import (
    charge_now,
    charge_now_deleted,
    eligibility,
    enrol,
    initialise,
    intent,
    offboard,
    onboard,
    onboard_site_and_asset_legacy,
    plug_in,
    plug_in_schedule,
    plug_out,
    rewards_info,
    rewards_transactions,
    schedule_callback,
    send_readings,
    tariff_update,
    unenrol,
    withdrawal_url,
)
from .errors import (
    AxleCredentialsError,
    AxleError,
    AxlePermanentError,
    AxleProtocolError,
    AxleTransientError,
)
from .session import format_timestamp
from .token import get_token

__all__ = [
    "AxleCredentialsError",
    "AxleError",
    "AxlePermanentError",
    "AxleProtocolError",
    "AxleTransientError",
    "charge_now",
    "charge_now_deleted",
    "eligibility",
    "enrol",
    "format_timestamp",
    "get_token",
    "initialise",
    "intent",
    "offboard",
    "onboard",
    "onboard_site_and_asset_legacy",
    "plug_in",
    "plug_in_schedule",
    "plug_out",
    "rewards_info",
    "rewards_transactions",
    "schedule_callback",
    "send_readings",
    "tariff_update",
    "unenrol",
    "withdrawal_url",
]
