"""System checks `manage.py check --deploy` runs on top of Django's own."""

from typing import Any

from django.conf import settings
from django.core import checks

from smartcharging.email_delivery import EMAIL_URL_EXAMPLE, undelivered_reason


@checks.register(checks.Tags.security, deploy=True)
def email_is_delivered(**kwargs: Any) -> list[checks.CheckMessage]:
    """Password-reset links are credentials: a deployment must e-mail them, not print or keep them."""
    reason = undelivered_reason(settings.EMAIL_BACKEND)
    if reason is None:
        return []
    return [
        checks.Error(
            f"EMAIL_BACKEND: {reason}, so password-reset links would not reach homeowners.",
            hint=f"Set EMAIL_URL to the mail server, e.g. {EMAIL_URL_EXAMPLE}.",
            id="smartcharging.E001",
        )
    ]
