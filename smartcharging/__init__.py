"""Smart Charging: the Django project and the smart-charging domain."""

from .celery import app as celery_app

__all__ = ("celery_app",)
