"""Sign-up by invitation only: an operator makes a link for one email address and one household.

Who may invite: staff with the `accounts.invite_to_household` permission, into the households they
manage (`Household.managers`, set by a superuser); superusers into any household. Nobody creates a
household by inviting: households are made in admin.

Each invitation is a row (the audit) holding the SHA-256 of a random token; the link carries the
token itself, shown once to the operator who made it. A link works until it expires
(`INVITATION_VALID_DAYS`), once: accepting it locks the row and marks it used in the transaction
that creates the account. An operator may withdraw an unused one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Household, Invitation, User

INVITE_PERMISSION = "accounts.invite_to_household"
USED = "This invitation has already been used. Sign in with your email and password."


class InvitationInvalid(Exception):
    """The link cannot be used; the message says why in words for the person holding it."""


class InvitationUsed(InvitationInvalid):
    """The link was used already, or an account exists for the invited address."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def households_invitable_by(user: User) -> QuerySet[Household]:
    """The households `user` may invite people into (none without the permission)."""
    if not user.has_perm(INVITE_PERMISSION):  # False for a switched-off account, superuser or not
        return Household.objects.none()
    if user.is_superuser:
        return Household.objects.all()
    return Household.objects.filter(managers=user)


def invitation_create(*, email: str, household: Household, created_by: User) -> tuple[Invitation, str]:
    """Record an invitation and return it with its token (the only time the token exists in full).

    Raises ValidationError, keyed by field, when `created_by` may not invite into `household` or
    the address already has an account.
    """
    if not households_invitable_by(created_by).filter(pk=household.pk).exists():
        raise ValidationError({"household": "You can't invite people into this household: you don't manage it."})
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "There's already an account for this address: they can sign in."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email,
        household=household,
        token_hash=_digest(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    return invitation, token


def _check_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        # Also the answer to links made before invitations were rows (signed tokens): none matches.
        raise InvitationInvalid(
            "This invitation link is not valid. Check you copied all of it, or ask us for a new link."
        )
    if invitation.used_at is not None:
        raise InvitationUsed(USED)
    if invitation.revoked_at is not None:
        raise InvitationInvalid("This invitation has been withdrawn. Ask us for a new link.")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("This invitation has expired. Ask us for a new link.")
    if invitation.household is None:
        raise InvitationInvalid("This invitation is no longer valid. Ask us for a new link.")
    return invitation


def invitation_read(token: str) -> Invitation:
    """The invitation a link names, or InvitationInvalid saying what is wrong with it."""
    found = Invitation.objects.select_related("household").filter(token_hash=_digest(token)).first()
    return _check_usable(found)


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the invited person's account in the invited household, and mark the link used.

    The row is locked first, so of two taps racing on the button one creates the account and the
    other finds the link used.
    """
    locked = Invitation.objects.select_for_update().filter(token_hash=_digest(token)).first()
    invitation = _check_usable(locked)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                invitation.email, password, full_name=full_name, household=invitation.household
            )
    except (IntegrityError, ValidationError) as error:
        # An account was made for this address some other way since the link was sent.
        raise InvitationUsed(USED) from error
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    return user


@transaction.atomic
def invitation_revoke(*, invitation_id: int, revoked_by: User) -> bool:
    """Withdraw an unused invitation; False if it was used, withdrawn already, or not `revoked_by`'s to withdraw."""
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        return False
    household_id = invitation.household_id
    if household_id is None or not households_invitable_by(revoked_by).filter(pk=household_id).exists():
        return False  # not a household of theirs (or deleted: its invitations no longer work anyway)
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = revoked_by
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    return True
