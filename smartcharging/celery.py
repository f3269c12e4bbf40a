"""The Celery app. Tasks are thin: they take ids and call services."""

import os

from celery import Celery

# Production unless named otherwise: a forgotten DJANGO_SETTINGS_MODULE refuses to start (manage.py says why).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.production")

app = Celery("smartcharging")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
