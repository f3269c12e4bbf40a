"""Signing in and out, resetting a password, and joining by invitation (Django's auth views, our pages)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from .attempts import reset_link_limit, reset_request_allowed
from .forms import (
    InvitationAcceptForm,
    InvitationMakeForm,
    LimitedSignInForm,
    NewPasswordForm,
    ResetForm,
    SignInForm,
)
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
from .throttling import client_address, failure_record, failures_wait_s

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def too_many_failures_answer_429(view: View) -> View:
    """Answer 429 Too Many Requests when a sign-in page refused its form for too many failures.

    Wraps both sign-in views: ours, and Django admin's (`admin.site.login`, in accounts/admin.py).
    The page is the same; the status tells scripts and monitoring what happened.
    """

    @wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if isinstance(form, LimitedSignInForm) and form.refused_for_failures:
            response.status_code = 429
        return response

    return cast(View, answered)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/sign_in.html"
    redirect_authenticated_user = True


sign_in = too_many_failures_answer_429(SignInView.as_view())


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

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if reset_request_allowed(email=form.cleaned_data["email"], address=client_address(self.request)):
            return super().form_valid(form)  # sends the link, if the address has an account
        # Over a limit: no e-mail, and the same answer, which never says whether the address has an account.
        return HttpResponseRedirect(self.get_success_url())


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/reset_confirm.html"
    success_url = reverse_lazy("pages:home")
    post_reset_login = True  # the person just proved they hold the mailbox; don't make them sign in again

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Count wrong or stale links per client address; past the limit, refuse even a good one for the cool-off."""
        limit, address = reset_link_limit(), client_address(request)
        wait = failures_wait_s(limit, [address])
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            return render(request, self.template_name, {"validlink": False, "wait_minutes": minutes}, status=429)
        response = super().dispatch(request, *args, **kwargs)
        # A good link redirects (to the page that keeps its token in the session) or shows the form.
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            failure_record(limit, [address])
        return response

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
