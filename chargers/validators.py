"""Validation of what identifies a home to Axle and the electricity industry: MPAN, postcode, timezone.

Each validator raises a ValidationError worded for the homeowner or operator who typed the value.
"""

import re
import zoneinfo

from django.core.exceptions import ValidationError

# Weights for the MPAN core check digit (Elexon MRA): the first 12 digits, weighted by these primes,
# summed, modulo 11, modulo 10 give the 13th digit.
MPAN_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def mpan_check_digit(first_twelve: str) -> int:
    """The check digit that completes a 12-digit MPAN core prefix."""
    return sum(int(d) * w for d, w in zip(first_twelve, MPAN_WEIGHTS, strict=True)) % 11 % 10


def validate_mpan(value: str) -> None:
    """An MPAN core: exactly 13 digits whose last digit is the check digit of the first 12."""
    if not re.fullmatch(r"\d{13}", value or ""):
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
