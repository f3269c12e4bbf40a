"""Setting chargers' OCPP passwords: one function for the admin action, the command and the CSV import."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from chargers.charger_password import password_digest, password_problem
from chargers.models import Asset, ChargerState

from .charger_admission import charger_failures_clear


def charger_passwords_set(*, passwords: Mapping[str, str]) -> list[Asset]:
    """Give each charger (by OCPP charge point id) its new password, all of them or none.

    Every entry is checked before anything is written; a ValidationError keyed by charge point id
    names each problem. From the next connection the charger must present its new password (the old
    one stops working; a charger connected now keeps its connection). Only the keyed digest is
    stored (chargers/charger_password.py), and the charger's failed attempts are forgotten, so a
    charger locked out by a wrong password gets in as soon as it has the new one.
    """
    assets = {a.ocpp_charge_point_id: a for a in Asset.objects.filter(ocpp_charge_point_id__in=list(passwords))}
    errors: dict[str, list[str]] = {}
    for charge_point_id, password in passwords.items():
        if charge_point_id not in assets:
            errors.setdefault(charge_point_id, []).append(f"No charger has the charge point id {charge_point_id!r}.")
        if problem := password_problem(password):
            errors.setdefault(charge_point_id, []).append(f"The password {problem}")
    if errors:
        raise ValidationError(errors)
    states = [
        ChargerState(asset=assets[cp_id], password_hash=password_digest(password.encode("ascii")))
        for cp_id, password in passwords.items()
    ]
    with transaction.atomic():
        ChargerState.objects.bulk_create(
            states, update_conflicts=True, unique_fields=["asset"], update_fields=["password_hash"]
        )
    charger_failures_clear(list(passwords))  # the cache, not the database: harmless even if rolled back
    return [assets[cp_id] for cp_id in passwords]


def charger_password_set(asset: Asset, password: str) -> None:
    """One charger's password: `charger_passwords_set` for one (a shorthand tests use)."""
    charger_passwords_set(passwords={asset.ocpp_charge_point_id: password})
