"""E-mail settings from one EMAIL_URL, and which backends never deliver.

A password-reset link is a credential. Sent through a backend that keeps mail on this machine it lands
in stdout (so the logs), memory or a folder, and never reaches the homeowner, so production refuses
those backends (settings/production.py) and `check --deploy` names them (smartcharging/checks.py).
Imported by the settings: nothing here may touch Django's settings or app registry.
"""

import environ

# Backend -> where its mail ends up instead of an inbox.
UNDELIVERED_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "printed to stdout, so into the logs",
    "django.core.mail.backends.locmem.EmailBackend": "kept in the process's memory",
    "django.core.mail.backends.dummy.EmailBackend": "thrown away",
    "django.core.mail.backends.filebased.EmailBackend": "written to files on the server",
}
EMAIL_URL_EXAMPLE = "smtp+tls://user:password@smtp.example.com:587"


def email_url_settings(url: str) -> dict[str, object]:
    """Django's EMAIL_* settings for `url` (django-environ's schemes: smtp+tls://, smtp+ssl://, consolemail://...),
    leaving Django's defaults for whatever the URL does not say."""
    return {name: value for name, value in environ.Env.email_url_config(url).items() if value is not None}


def undelivered_reason(backend: str) -> str | None:
    """Why mail sent through `backend` never reaches anyone, or None if it is sent on."""
    where = UNDELIVERED_BACKENDS.get(backend)
    return f"e-mails sent through {backend} are {where}, never delivered" if where else None
