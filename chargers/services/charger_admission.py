"""Whether a charger may connect: a known id, its password (OCPP security profile 1 or 2), and no run
of failed attempts from it or its address.

Failed attempts are counted with accounts.throttling, per charge point id and per client address:
past the limit, that id or address is refused for the cool-off before anything else is looked at
(no password is checked, so a guesser learns nothing and costs nothing), even with the right
password. A charger that gets in has its own failures forgotten; its address's stay, so one charger
cannot launder a guesser's count. Refusals are logged by the gateway with the words below, which
never hold the password.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings

from accounts.throttling import FailureLimit, failure_record, failures_clear, failures_wait_s
from chargers.charger_password import Verdict, password_check
from chargers.models import Asset


@dataclass(frozen=True)
class Admission:
    asset: Asset | None
    refusal: str = ""  # why the connection is refused, in words for the installer and the operator's log
    status: int = HTTPStatus.OK  # the HTTP status to refuse with
    retry_after_s: int = 0  # with 429: when the charger may try again


def _by_charger() -> FailureLimit:
    return FailureLimit(
        "charger-password", settings.OCPP_PASSWORD_FAILURES_PER_CHARGER, settings.OCPP_PASSWORD_COOL_OFF_S
    )


def _by_address() -> FailureLimit:
    return FailureLimit(
        "charger-password-address", settings.OCPP_PASSWORD_FAILURES_PER_ADDRESS, settings.OCPP_PASSWORD_COOL_OFF_S
    )


def _counted(limit: FailureLimit, key: str) -> list[str]:
    """The keys to count against `limit` (none when it is switched off with 0)."""
    return [key] if limit.failures > 0 and key else []


def charger_admit(charge_point_id: str, *, password: bytes | None, address: str) -> Admission:
    """Whether the charger `charge_point_id`, connecting from `address` with `password` (None: no
    HTTP Basic credentials), may connect."""
    cp = repr(charge_point_id)
    by_charger, by_address = _by_charger(), _by_address()
    wait = max(
        failures_wait_s(by_charger, _counted(by_charger, charge_point_id)),
        failures_wait_s(by_address, _counted(by_address, address)),
    )
    if wait:
        return Admission(
            None,
            f"Too many failed attempts by charge point {cp} or from its address; nothing is checked for {wait} s.",
            HTTPStatus.TOO_MANY_REQUESTS,
            retry_after_s=wait,
        )

    def failed(refusal: str, status: int = HTTPStatus.UNAUTHORIZED) -> Admission:
        locked = max(
            failure_record(by_charger, _counted(by_charger, charge_point_id)),
            failure_record(by_address, _counted(by_address, address)),
        )
        if locked:
            refusal += f" Too many failed attempts: the next are refused for {locked} s."
        return Admission(None, refusal, status)

    asset = Asset.objects.filter(ocpp_charge_point_id=charge_point_id).select_related("state").first()
    if asset is None:
        return failed(f"Unknown charge point {cp}.", HTTPStatus.NOT_FOUND)
    state = getattr(asset, "state", None)
    stored = state.password_hash if state is not None else ""
    set_one = (
        "in admin (Assets, “Generate charger password…”) or with: "
        f"manage.py charger_password {charge_point_id} --generate"
    )
    if not stored:
        if settings.OCPP_REQUIRE_PASSWORD:
            return Admission(
                None,
                f"Charge point {cp} has no password and this gateway requires one (OCPP_REQUIRE_PASSWORD): "
                f"give it one {set_one}.",
                HTTPStatus.UNAUTHORIZED,
            )
        return Admission(asset)
    if password is None:
        return failed(f"Charge point {cp} must present its password (HTTP Basic, user name: its charge point id).")
    verdict = password_check(password, stored)
    if verdict is Verdict.MATCH:
        failures_clear(by_charger, [charge_point_id])
        return Admission(asset)
    if verdict is Verdict.WRONG:
        return failed(f"Wrong password for charge point {cp}.")
    # Not the charger's fault, so not counted: the stored value cannot be checked here.
    why = {
        Verdict.OLD_FORM: "is stored in an old form (Django's slow PBKDF2) that the gateway no longer checks: give",
        Verdict.OTHER_PEPPER: "was stored under another OCPP_PASSWORD_PEPPER: restore that pepper, or give",
    }[verdict]
    return Admission(None, f"Charge point {cp}'s password {why} it a new one {set_one}.", HTTPStatus.UNAUTHORIZED)


def charger_failures_clear(charge_point_ids: Iterable[str]) -> None:
    """Forget these chargers' failed attempts (they were just given a new password)."""
    failures_clear(_by_charger(), charge_point_ids)
