"""Secrets never reach the logs, whatever LOG_LEVEL says (LOGGING in settings/base.py).

Two layers. Libraries that write credentials below some level are held at or above it, so the record
is never made. And a filter on the handler rewrites anything shaped like a credential in every record
that does go out (bearer and basic authorisation values, `name=value` pairs named like a token,
secret or password, passwords in URLs, password-reset and invitation links) and any configured
secret's value, so a new library or our own slip is caught too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

# Library logger -> the least level it may log at, and why:
# oauthlib: every issued token (access and refresh) at DEBUG, whole request URIs at INFO.
# oauth2_provider: what it validates (client credentials) at DEBUG.
# websockets: the HTTP handshake at DEBUG, a charger's `Authorization: Basic` header included.
# ocpp: every frame at INFO (a ChangeConfiguration of AuthorizationKey holds a charger's password).
LIBRARY_FLOORS = {
    "oauthlib": logging.WARNING,
    "oauth2_provider": logging.INFO,
    "websockets": logging.INFO,
    "ocpp": logging.WARNING,
}

REDACTED = "[redacted]"
# Names whose value is a credential: access_token, client_secret, password, new_password1,
# csrfmiddlewaretoken... but not token_type or password_reset_timeout.
_CREDENTIAL_NAME = r"\w*(?:token|secret|password|passwd)\d?"
# "name": value (JSON, dict reprs; quoted, so prose such as "cp-secret: send" is left alone) or
# name=value (forms, query strings, keyword arguments in a repr); a quoted value up to its closing quote.
_NAMED_VALUE = re.compile(
    rf"""(?P<head>(?:['"]{_CREDENTIAL_NAME}['"]\s*:|\b{_CREDENTIAL_NAME}=)\s*b?)"""
    rf"""(?:(?P<quote>['"])(?:(?!(?P=quote)).)*(?P=quote)|[^'"&,;}})\]\s]+)""",
    re.I,
)


def _named_value_redacted(match: re.Match[str]) -> str:
    quote = match["quote"] or ""
    return f"{match['head']}{quote}{REDACTED}{quote}"


_SHAPES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # An Authorization header's value, in a header line, a dict's repr or a WSGI environ.
    (re.compile(r"""(authorization['"]?\s*[:=]\s*['"]?(?:bearer|basic)\s+)[^\s'",]+""", re.I), rf"\1{REDACTED}"),
    # A bare bearer or basic credential (long: "Basic authentication" is prose, not a credential).
    (re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{16,}=*"), rf"\1\2{REDACTED}"),
    (_NAMED_VALUE, _named_value_redacted),
    # user:password@host in a URL (EMAIL_URL, DATABASE_URL or REDIS_URL in an error message).
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.I), rf"\1{REDACTED}@"),
    # Password-reset and invitation links carry their credential in the path (request lines log paths).
    (re.compile(r"(/reset/)[^\s/?]+/[^\s/?\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"(/invitation/)[^\s/?\"']+"), rf"\1{REDACTED}"),
]
# Settings whose string values are secrets (SECRET_KEY, AXLE_PASSWORD, EMAIL_HOST_PASSWORD...).
_SECRET_SETTING = re.compile(r"SECRET|PASSWORD|PEPPER|_KEY$")
_SHORTEST_SECRET = 8  # shorter values would redact ordinary words


def library_levels(log_level: str) -> dict[str, dict[str, str]]:
    """LOGGING's entries for the capped libraries: LOG_LEVEL, or the library's floor if that is higher."""
    level = logging.getLevelName(log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL is {log_level!r}: it must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    return {name: {"level": logging.getLevelName(max(level, floor))} for name, floor in LIBRARY_FLOORS.items()}


def configured_secrets() -> list[str]:
    """The values of this deployment's secret settings, longest first (read once settings are loaded)."""
    from django.conf import settings

    named = [getattr(settings, name) for name in dir(settings) if name.isupper() and _SECRET_SETTING.search(name)]
    values = [value for value in named if isinstance(value, str)]
    values += [key for key in settings.SECRET_KEY_FALLBACKS if isinstance(key, str)]
    values += [database.get("PASSWORD") or "" for database in settings.DATABASES.values()]
    return sorted({v for v in values if len(v) >= _SHORTEST_SECRET}, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every credential shape and every value in `secrets` replaced by [redacted]."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message, traceback and stack before the handler formats it."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: list[str] | None = None

    def secrets(self) -> list[str]:
        from django.conf import settings

        if self._secrets is None:
            if not settings.configured:  # a record logged while settings load: shapes only, this once
                return []
            self._secrets = configured_secrets()
        return self._secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self.secrets()
        try:
            message = record.getMessage()
        except Exception:  # the handler would print the raw arguments when it failed
            message = f"{record.msg} (arguments that do not fit: {record.args!r})"
        record.msg, record.args = redact(message, secrets), None
        if record.exc_info and not record.exc_text:
            # What the formatter would write (it keeps exc_text), so the traceback is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True
