"""Which OAuth2 applications are Axle's: only their tokens reach the schedule API.

A row of its own rather than a flag on the toolkit's Application (a swappable model we do not
own) or a name to match (anyone who may create an application may type "Axle Energy").
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings


class AxleClient(models.Model):
    """Marks an OAuth2 application as Axle's (client credentials only; see `axle_client_issue`)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="axle_client"
    )
    marked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "Axle's OAuth2 client"
        verbose_name_plural = "Axle's OAuth2 clients"

    def __str__(self) -> str:
        return f"Axle's client {self.application_id}"
