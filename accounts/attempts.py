"""Sign-in and password-reset attempts, counted per account and per client address.

Built on `accounts.throttling` (one counter per key, a lock for the cool-off). Both sign-ins, our
homeowners' page and Django admin's, share one count per account, so a guesser gains nothing by
switching between them.

- A failed sign-in counts against the email as typed (lower-cased), whether or not it has an
  account: the refusal is the same for every address, so it tells nobody which have accounts.
  It also counts against the client's address (`throttling.client_address`), which catches one
  client trying many accounts.
- A refused attempt (while waiting) is not counted, so the cool-off ends when the message says.
- A success forgets the account's failures, not the address's: a shared connection may hold a
  guesser and a genuine account, and the guesser must not reset their count by signing in to an
  account of their own.
- A password-reset request counts whatever happens (it sends an e-mail, or would have): at most
  PASSWORD_RESETS_PER_ACCOUNT per address and PASSWORD_RESETS_PER_ADDRESS per client per window.
- A wrong or stale reset link counts against the client's address, like a failed sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .throttling import FailureLimit, failure_record, failures_clear, failures_wait_s


@dataclass(frozen=True)
class AccountAndAddressLimits:
    per_account: FailureLimit
    per_address: FailureLimit


@dataclass(frozen=True)
class Wait:
    """Seconds the account and the client's address must each wait (0: may try now)."""

    account_s: int
    address_s: int

    @property
    def seconds(self) -> int:
        return max(self.account_s, self.address_s)


def sign_in_limits() -> AccountAndAddressLimits:
    cool_off = settings.SIGN_IN_COOL_OFF_S
    return AccountAndAddressLimits(
        per_account=FailureLimit("sign-in-account", settings.SIGN_IN_FAILURES_PER_ACCOUNT, cool_off),
        per_address=FailureLimit("sign-in-address", settings.SIGN_IN_FAILURES_PER_ADDRESS, cool_off),
    )


def reset_limits() -> AccountAndAddressLimits:
    window = settings.PASSWORD_RESET_WINDOW_S
    return AccountAndAddressLimits(
        per_account=FailureLimit("reset-account", settings.PASSWORD_RESETS_PER_ACCOUNT, window),
        per_address=FailureLimit("reset-address", settings.PASSWORD_RESETS_PER_ADDRESS, window),
    )


def reset_link_limit() -> FailureLimit:
    """Wrong reset links per client address: the same budget as failed sign-ins."""
    return FailureLimit("reset-link", settings.SIGN_IN_FAILURES_PER_ADDRESS, settings.SIGN_IN_COOL_OFF_S)


def account_key(email: str) -> str:
    return email.strip().lower()


def attempts_wait(limits: AccountAndAddressLimits, *, account: str, address: str) -> Wait:
    return Wait(
        account_s=failures_wait_s(limits.per_account, [account_key(account)]),
        address_s=failures_wait_s(limits.per_address, [address]),
    )


def attempt_failed(limits: AccountAndAddressLimits, *, account: str, address: str) -> Wait:
    """Count one failure against both; what each must wait now (0 unless this one reached a limit)."""
    return Wait(
        account_s=failure_record(limits.per_account, [account_key(account)]),
        address_s=failure_record(limits.per_address, [address]),
    )


def attempts_forget_account(limits: AccountAndAddressLimits, *, account: str) -> None:
    failures_clear(limits.per_account, [account_key(account)])


def reset_request_allowed(*, email: str, address: str) -> bool:
    """Whether a reset link may be sent now for `email` to a client at `address`; counts the request if so."""
    limits = reset_limits()
    if attempts_wait(limits, account=email, address=address).seconds:
        return False
    attempt_failed(limits, account=email, address=address)  # "failed" as in used up: each request counts
    return True
