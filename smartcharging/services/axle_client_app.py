"""The OAuth2 client Axle uses to push schedules: created once, rotated when its secret may be known.

Only applications marked here as Axle's (`AxleClient`) may be granted the schedules scope, and only
their tokens reach the schedule API: an application someone else creates (a superuser in admin)
gets no door to the chargers by being created.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AbstractApplication, AccessToken, Application

from smartcharging.models import AxleClient

AXLE_APPLICATION_NAME = "Axle Energy"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str  # shown once: only its hash is stored
    rotated: bool


class ClientExists(Exception):
    pass


class NotAClientCredentialsClient(Exception):
    """Axle authenticates with its own secret only: no user, no redirect, no other grant."""


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
    axle_client_mark(application=application)
    return ClientCredentials(client_id=application.client_id, client_secret=secret, rotated=rotate)


def axle_client_mark(*, application: AbstractApplication) -> AxleClient:
    """Make `application` one of Axle's (idempotent): its tokens may push schedules.

    Refused for anything but a confidential client-credentials application, the only kind Axle uses.
    """
    if (
        application.client_type != Application.CLIENT_CONFIDENTIAL
        or application.authorization_grant_type != Application.GRANT_CLIENT_CREDENTIALS
    ):
        raise NotAClientCredentialsClient(
            f"{application.name!r} is not a confidential client-credentials application, so it cannot be Axle's."
        )
    marked, _ = AxleClient.objects.get_or_create(application_id=application.pk)
    return marked


def is_axle_application(application: AbstractApplication | None) -> bool:
    """Whether `application` is Axle's and still a confidential client-credentials one (one query).

    The grant is checked again here because a superuser may change it in admin after marking.
    """
    return (
        application is not None
        and application.client_type == Application.CLIENT_CONFIDENTIAL
        and application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
        and AxleClient.objects.filter(application_id=application.pk).exists()
    )
