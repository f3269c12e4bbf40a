"""The Celery app. Tasks are thin: they take ids and call services."""

import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

# Production unless named otherwise: a forgotten DJANGO_SETTINGS_MODULE refuses to start (manage.py says why).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.production")

app = Celery("smartcharging")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def keep_django_logging(**kwargs: Any) -> None:
    """Workers log through Django's LOGGING, not Celery's own root handler, which would write around the
    filter that redacts secrets (smartcharging/log_secrets.py). LOG_LEVEL sets the level, not --loglevel."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
