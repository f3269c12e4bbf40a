"""Sign-in and invitation forms with plain-word errors and phone-friendly inputs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .attempts import Wait, attempt_failed, attempts_forget_account, attempts_wait, sign_in_limits
from .models import Household, User
from .throttling import client_address


def _too_many_failures(wait: Wait) -> str:
    minutes = max(1, math.ceil(wait.seconds / 60))
    when = "1 minute" if minutes == 1 else f"{minutes} minutes"
    if wait.account_s >= wait.address_s:
        return f"Too many failed sign-ins for this account. Try again in {when}, or reset your password."
    return f"Too many failed sign-ins from your connection. Try again in {when}."


class LimitedSignInForm(AuthenticationForm):
    """A sign-in refused while the account or the client's address waits out its failures.

    Both sign-ins are built on it: ours (`SignInForm`) and Django admin's (`AdminSignInForm`).
    While waiting, the password is not checked at all (the right one is refused too: that is the
    point), for known and unknown addresses alike. Otherwise Django's ModelBackend checks it, and
    hashes the typed password for an unknown address as well, so both cost the same.
    """

    refused_for_failures = False  # the view answers 429 Too Many Requests when set

    def clean(self) -> dict[str, Any]:
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (email and password):
            return super().clean()  # nothing to check: the fields' own errors say what is missing
        limits, address = sign_in_limits(), client_address(self.request) if self.request else ""
        wait = attempts_wait(limits, account=email, address=address)
        if not wait.seconds:
            try:
                cleaned = super().clean()
            except ValidationError:
                wait = attempt_failed(limits, account=email, address=address)
                if not wait.seconds:
                    raise
            else:
                attempts_forget_account(limits, account=email)
                return cleaned
        self.refused_for_failures = True
        raise ValidationError(_too_many_failures(wait), code="too_many_failures")


class AdminSignInForm(LimitedSignInForm, AdminAuthenticationForm):
    """Django admin's sign-in (staff only), counted with ours (set as `admin.site.login_form`)."""


class SignInForm(LimitedSignInForm):
    """Email and password. The email is matched whatever its case (phones capitalise the first letter)."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "That email and password don't match an account. Check them, or reset your password.",
        "inactive": "This account is switched off. Contact us to switch it back on.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class ResetForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"})
    )


if TYPE_CHECKING:
    _SetPasswordForm = SetPasswordForm[User]
else:  # not subscriptable at run time
    _SetPasswordForm = SetPasswordForm


class NewPasswordForm(_SetPasswordForm):
    error_messages = {"password_mismatch": "The two passwords are different. Type the same one twice."}


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", required=False, max_length=200)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only numbers, and not a common password.",
    )
    password2 = forms.CharField(
        label="Type it again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are different. Type the same one twice.")
        elif first:
            try:
                person = User(email=self.email, full_name=data.get("full_name", ""))
                password_validation.validate_password(first, person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class InvitationMakeForm(forms.Form):
    """For operators: whom to invite, into which of the households they may invite into."""

    email = forms.EmailField(label="Email address")
    household = forms.ModelChoiceField(
        queryset=Household.objects.none(),
        label="Household",
        error_messages={"invalid_choice": "You can't invite people into this household: you don't manage it."},
    )

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households  # type: ignore[attr-defined]
