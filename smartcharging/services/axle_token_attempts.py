"""Failed client authentications at the OAuth2 token endpoints, counted so a guesser is cooled off.

Counted per client id (a guesser of one client's secret) and per client address (a guesser trying
many clients). A refused attempt is not counted, so the cool-off ends when it says it will. A
success clears that client's count; the address's count only runs out, since one address may hold
both a working client and a guesser.
"""

from __future__ import annotations

from django.conf import settings

from accounts.throttling import FailureLimit, failure_record, failures_clear, failures_wait_s


def token_failure_limit() -> FailureLimit:
    return FailureLimit(
        name="oauth-token", failures=settings.OAUTH_TOKEN_MAX_FAILURES, cool_off_s=settings.OAUTH_TOKEN_COOL_OFF_S
    )


def _keys(client_id: str, address: str) -> list[str]:
    # Prefixed so that a client id can never be counted as an address, or the other way round.
    return [f"client:{client_id}" if client_id else "", f"address:{address}" if address else ""]


def token_attempt_wait_s(*, client_id: str, address: str) -> int:
    """Seconds this client id, or this address, must wait before it may try again (0: try now)."""
    return failures_wait_s(token_failure_limit(), _keys(client_id, address))


def token_attempt_failed(*, client_id: str, address: str) -> int:
    """Count a failed client authentication; the seconds to wait now if it reached the limit."""
    return failure_record(token_failure_limit(), _keys(client_id, address))


def token_attempt_succeeded(*, client_id: str) -> None:
    failures_clear(token_failure_limit(), _keys(client_id, ""))
