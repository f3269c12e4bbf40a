"""Homeowners sign in with their email address; a household groups the people who share a home."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Household(models.Model):
    """The people who share a home; owns the home's sites (and through them, its chargers)."""

    name = models.CharField(max_length=200, help_text="How the operator refers to this household.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    managers: models.ManyToManyField[User, Any] = models.ManyToManyField(
        "User",
        blank=True,
        related_name="managed_households",
        limit_choices_to={"is_staff": True},
        help_text="Operators who may invite people into this household (superusers may invite into any). "
        "Only superusers change this list.",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address (no username)."""

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            # Two accounts for "Ann@x.com" and "ann@x.com" would be one person locked out of one of them.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="An account with this email address already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Invitation(models.Model):
    """An invitation link for one email address into one household: who made it, and what became of it.

    The rows are the audit of who let whom into which household. The link holds a random token of
    which only the SHA-256 is kept here, so this table cannot be read for links that work.
    """

    email = models.EmailField("email address", max_length=254)
    household = models.ForeignKey(
        Household,
        null=True,
        on_delete=models.SET_NULL,  # a deleted household's invitations stay in the audit, and stop working
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # PROTECT: the audit must keep naming who invited; switch an operator off rather than delete them.
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_made")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("invite_to_household", "Can invite people into the households they manage")]

    def __str__(self) -> str:
        return f"{self.email} to {self.household or 'a deleted household'}"

    @property
    def state(self) -> str:
        """In words, for the audit list."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "withdrawn"
        return "expired" if self.expires_at <= timezone.now() else "waiting"
