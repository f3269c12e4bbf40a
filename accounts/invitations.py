"""Sign-up by invitation only: an operator makes a signed link for one email address and household.

The link is a `django.core.signing` token, not a row: nothing to clean up, and it cannot be edited
to name another household. It is single-use in effect: once an account exists for the address,
the link only says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import Household, User

SALT = "accounts.invitation"
VALID_FOR = timedelta(days=14)


class InvitationInvalid(Exception):
    """The link cannot be used; the message says why in words for the person holding it."""


class InvitationUsed(InvitationInvalid):
    """An account already exists for the invited address."""


@dataclass(frozen=True)
class Invitation:
    email: str
    household: Household


def invitation_token(*, email: str, household: Household) -> str:
    return signing.dumps({"email": User.objects.normalize_email(email).lower(), "household": household.pk}, salt=SALT)


def invitation_read(token: str) -> Invitation:
    """The invitation in a link, or InvitationInvalid saying what is wrong with it."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.SignatureExpired as error:
        raise InvitationInvalid("This invitation has expired. Ask us for a new link.") from error
    except signing.BadSignature as error:
        raise InvitationInvalid("This invitation link is not valid. Check you copied all of it.") from error
    household = Household.objects.filter(pk=data.get("household")).first()
    if household is None:
        raise InvitationInvalid("This invitation is no longer valid. Ask us for a new link.")
    email = str(data.get("email", ""))
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationUsed("This invitation has already been used. Sign in with your email and password.")
    return Invitation(email=email, household=household)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, full_name: str = "") -> User:
    """Create the invited person's account in the invited household."""
    try:
        with transaction.atomic():
            return User.objects.create_user(
                invitation.email, password, full_name=full_name, household=invitation.household
            )
    except (IntegrityError, ValidationError) as error:
        # A second tap on the button, racing the first: the account exists now.
        raise InvitationUsed("This invitation has already been used. Sign in with your email and password.") from error
