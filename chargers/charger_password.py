"""A charger's OCPP password (HTTP Basic, OCPP security profiles 1 and 2): its rules, and how it is kept.

Kept as HMAC-SHA256 under a server-side pepper (`OCPP_PASSWORD_PEPPER`) with a random salt, not with
a slow password hash. A slow hash protects a person's guessable password if the table leaks; a
charger's password is random (generated here, or imported at the strength the rules below demand), so
an offline guess is hopeless either way, and without the pepper, which lives outside the database,
even a leaked table of digests cannot be checked against. Speed matters instead: the gateway checks
a password on every connection, and after a restart every charger reconnects at once. Django's
PBKDF2 (a million iterations) cost each check hundreds of milliseconds of CPU on the gateway's
database threads; this costs microseconds.

Stored as `hmac-sha256$<pepper id>$<salt hex>$<digest hex>`. The pepper id (a tag derived from the
pepper, not the pepper) says which pepper made a digest, so a changed pepper is reported as such
rather than as a wrong password, and a later rotation can tell old digests from new.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import string

from django.conf import settings

SCHEME = "hmac-sha256"
# OCPP 2.0.1's passwordString (Part 2, 2.1.4) and its 16-character minimum, which the 1.6 Security
# Whitepaper's AuthorizationKey shares; 40 is 2.0.1's smallest maxLimit. A 1.6 charger holds its key
# as at most 40 hexadecimal digits, i.e. a password of at most 20 characters: hence GENERATED_LENGTH.
MIN_LENGTH, MAX_LENGTH = 16, 40
ALLOWED = string.ascii_letters + string.digits + "*-_=:+|@."
_ALLOWED_RE = re.compile(rf"[{re.escape(ALLOWED)}]+")
GENERATED_LENGTH = 20
_GENERATED_FROM = string.ascii_letters + string.digits  # easy to read out and type into a charger's menu


class Verdict(enum.Enum):
    MATCH = "match"
    WRONG = "wrong"
    OLD_FORM = "old form"  # not ours: Django's PBKDF2 from before, or anything else
    OTHER_PEPPER = "other pepper"


def password_generate() -> str:
    """A new random password (about 119 bits) that any OCPP 1.6 or 2.0.1 charger can hold."""
    return "".join(secrets.choice(_GENERATED_FROM) for _ in range(GENERATED_LENGTH))


def password_problem(password: str) -> str:
    """Why `password` cannot be a charger's password, in words for an operator; empty if it can."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"is {len(password)} characters long; a charger password has {MIN_LENGTH} to {MAX_LENGTH}."
    if not _ALLOWED_RE.fullmatch(password):
        return f"may only use the letters a-z and A-Z, the digits 0-9 and {ALLOWED[62:]} (OCPP's password set)."
    return ""


def authorization_key(password: str) -> str:
    """The password as an OCPP 1.6 charger's AuthorizationKey configuration key holds it: its hexadecimal form."""
    return password.encode("ascii").hex().upper()


def password_digest(password: bytes) -> str:
    """What is stored for `password`; a new salt each time."""
    pepper = _pepper()
    salt = secrets.token_bytes(16)
    return f"{SCHEME}${_pepper_id(pepper)}${salt.hex()}${_mac(pepper, salt, password)}"


def password_check(password: bytes, stored: str) -> Verdict:
    """Whether `password` is the one `stored` was made from; compared in constant time."""
    scheme, _, rest = stored.partition("$")
    pepper_id, _, rest = rest.partition("$")
    salt_hex, _, digest = rest.partition("$")
    if scheme != SCHEME or not digest:
        return Verdict.OLD_FORM
    pepper = _pepper()
    if not hmac.compare_digest(pepper_id, _pepper_id(pepper)):
        return Verdict.OTHER_PEPPER
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return Verdict.OLD_FORM
    return Verdict.MATCH if hmac.compare_digest(digest, _mac(pepper, salt, password)) else Verdict.WRONG


def _pepper() -> bytes:
    return str(settings.OCPP_PASSWORD_PEPPER).encode("utf-8")


def _pepper_id(pepper: bytes) -> str:
    return hmac.new(pepper, b"ocpp-password-pepper-id", hashlib.sha256).hexdigest()[:8]


def _mac(pepper: bytes, salt: bytes, password: bytes) -> str:
    return hmac.new(pepper, salt + password, hashlib.sha256).hexdigest()
