"""Signing in and out, resetting a password, and joining by invitation (Django's auth views, our pages)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from .forms import InvitationAcceptForm, InvitationMakeForm, NewPasswordForm, ResetForm, SignInForm
from .invitations import (
    INVITE_PERMISSION,
    InvitationInvalid,
    InvitationUsed,
    households_invitable_by,
    invitation_accept,
    invitation_create,
    invitation_read,
)
from .models import User


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link could sign people out from another site's page."""

    next_page = "accounts:sign-in"  # a URL name: LogoutView resolves it

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You're signed out.")
        return response


class ResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "registration/reset_form.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/reset_confirm.html"
    success_url = reverse_lazy("pages:home")
    post_reset_login = True  # the person just proved they hold the mailbox; don't make them sign in again

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        messages.success(self.request, "Your new password is set, and you're signed in.")
        return response


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a household from an operator's link: choose a password, and you're in."""
    try:
        invited = invitation_read(token)
    except InvitationUsed as used:
        messages.info(request, str(used))
        return redirect("accounts:sign-in")
    except InvitationInvalid as invalid:
        return render(request, "registration/invitation.html", {"problem": str(invalid)}, status=400)
    form = InvitationAcceptForm(request.POST or None, email=invited.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password1"], full_name=form.cleaned_data["full_name"]
            )
        except InvitationUsed as used:
            messages.info(request, str(used))
            return redirect("accounts:sign-in")
        except InvitationInvalid as invalid:  # withdrawn or expired while the form was open
            return render(request, "registration/invitation.html", {"problem": str(invalid)}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Start by telling us what your car needs each night.")
        return redirect("pages:home")
    return render(request, "registration/invitation.html", {"form": form, "invited": invited})


@staff_member_required
@require_http_methods(["GET", "POST"])
def invitation_new(request: HttpRequest) -> HttpResponse:
    """For operators with the invite permission: make a link for a homeowner to join a household they manage."""
    user = cast(User, request.user)
    if not user.has_perm(INVITE_PERMISSION):
        return render(request, "registration/invitation_new.html", {"forbidden": True}, status=403)
    form = InvitationMakeForm(request.POST or None, households=households_invitable_by(user))
    made = link = None
    if request.method == "POST" and form.is_valid():
        try:
            made, token = invitation_create(
                email=form.cleaned_data["email"], household=form.cleaned_data["household"], created_by=user
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            link = request.build_absolute_uri(reverse("accounts:invitation", args=[token]))
            form = InvitationMakeForm(households=households_invitable_by(user))  # empty, for the next one
    return render(request, "registration/invitation_new.html", {"form": form, "link": link, "made": made})
