"""The OAuth2 client Axle uses to push schedules: created once, rotated when its secret may be known."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

AXLE_APPLICATION_NAME = "Axle Energy"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str  # shown once: only its hash is stored
    rotated: bool


class ClientExists(Exception):
    pass


@transaction.atomic
def axle_client_issue(*, rotate: bool = False, name: str = AXLE_APPLICATION_NAME) -> ClientCredentials:
    """Create Axle's client-credentials application, or with `rotate` give it a new secret.

    Rotating also revokes every token issued with the old secret, so a leaked secret stops working
    within the same transaction.
    """
    application = Application.objects.select_for_update().filter(name=name).first()
    if application is not None and not rotate:
        raise ClientExists(
            f"The {name!r} client exists (client_id {application.client_id}); use --rotate to issue a new secret."
        )
    secret = generate_client_secret()
    if application is None:
        application = Application(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            hash_client_secret=True,
        )
    else:
        AccessToken.objects.filter(application=application).delete()
    application.client_secret = secret
    application.save()
    return ClientCredentials(client_id=application.client_id, client_secret=secret, rotated=rotate)
