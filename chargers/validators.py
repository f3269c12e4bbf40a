"""Validation of what identifies a home or a charger: MPAN, postcode, timezone, OCPP charge point id.

Each validator raises a ValidationError worded for the homeowner or operator who typed the value.

Identifiers are kept, compared and sent as text, so each must have one spelling: their digits are
the ASCII 0-9 only. Python's `\\d` and `str.isdigit()` also match Arabic-Indic, fullwidth and other
scripts' digits, which `int()` reads as the same number but which are different text: an MPAN typed
in them passed the check digit, slipped past "MPAN already used" and went to Axle as typed. Such
values are refused here, with words saying why, rather than rewritten: a validator cannot change the
value, and this is the one check every way in runs (the model field for admin forms, the join form,
the join service). Numbers that are parsed (kWh, amps, times, UUIDs) are stored as the parsed value,
so they have one spelling already and need no such rule.
"""

import re
import zoneinfo

from django.core.exceptions import ValidationError

# Weights for the MPAN core check digit (Elexon MRA): the first 12 digits, weighted by these primes,
# summed, modulo 11, modulo 10 give the 13th digit.
MPAN_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
_MPAN_RE = re.compile(r"[0-9]{13}")
# What a charger may call itself in its OCPP URL, /ocpp/<charge point id> (the gateway matches the same).
CHARGE_POINT_ID_PATTERN = r"[A-Za-z0-9._:\-]{1,64}"
_CHARGE_POINT_ID_RE = re.compile(CHARGE_POINT_ID_PATTERN)


def _other_digits(value: str) -> bool:
    """Whether `value` has digits other than ASCII 0-9 (Arabic-Indic, fullwidth, ...)."""
    return any(c.isdigit() and not c.isascii() for c in value)


def mpan_check_digit(first_twelve: str) -> int:
    """The check digit that completes a 12-digit MPAN core prefix."""
    return sum(int(d) * w for d, w in zip(first_twelve, MPAN_WEIGHTS, strict=True)) % 11 % 10


def validate_mpan(value: str) -> None:
    """An MPAN core: exactly 13 digits 0-9 whose last digit is the check digit of the first 12."""
    if _other_digits(value or ""):
        raise ValidationError(
            "%(value)s has digits other than 0 to 9 (a keyboard set to another script types them). "
            "Type the MPAN again with the digits 0 to 9, as on your electricity bill.",
            code="mpan_digits",
            params={"value": repr(value)},
        )
    if not _MPAN_RE.fullmatch(value or ""):
        raise ValidationError(
            "An MPAN is the 13-digit number at the bottom right of the 'S' box on your electricity "
            "bill, digits only; %(value)s is not 13 digits.",
            code="mpan_format",
            params={"value": repr(value)},
        )
    if mpan_check_digit(value[:12]) != int(value[12]):
        raise ValidationError(
            "%(value)s is not a valid MPAN: its last digit does not match the others. "
            "Check each digit against your electricity bill.",
            code="mpan_check_digit",
            params={"value": value},
        )


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code, e.g. 'sw1a1aa' -> 'SW1A 1AA'."""
    compact = re.sub(r"\s+", "", value or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    if not _POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError(
            "%(value)s is not a UK postcode. Enter it as on a letter, for example SW1A 1AA.",
            code="postcode",
            params={"value": repr(value)},
        )


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known timezone; use an IANA name such as Europe/London.",
            code="timezone",
            params={"value": repr(value)},
        )


def validate_charge_point_id(value: str) -> None:
    """An OCPP charge point id: 1-64 of A-Z, a-z, 0-9 and . _ : - (what the gateway's URL accepts)."""
    if not _CHARGE_POINT_ID_RE.fullmatch(value or ""):
        raise ValidationError(
            "%(value)s cannot be a charge point id: the charger sends it in its OCPP URL, which takes 1 to 64 "
            "of the letters A-Z and a-z, the digits 0-9 and . _ : - (no spaces, no other scripts' letters or digits).",
            code="charge_point_id",
            params={"value": repr(value)},
        )
