"""Sign-in and invitation forms with plain-word errors and phone-friendly inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.db.models import QuerySet

from .models import Household, User


class SignInForm(AuthenticationForm):
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
