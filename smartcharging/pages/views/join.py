"""Joining Axle's programme: the explanation, the form, where the home stands, rejoining, leaving consent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from chargers.models import Site
from smartcharging.pages.forms import JoinForm, show_service_errors
from smartcharging.pages.membership import JoinState, join_state
from smartcharging.pages.queries import site_for
from smartcharging.services.membership import JoinOutcome, site_consent_withdraw, site_join, site_rejoin

from .common import render_page, signed_in_user

JOIN_FIELDS = {"consent": "consent", "mpan": "mpan"}


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for(signed_in_user(request), pk)
    assets = list(site.assets.order_by("pk"))
    state = join_state(site)
    if request.method == "POST":
        form = JoinForm(request.POST, assets=assets)
        if form.is_valid():
            try:
                outcome = site_join(
                    site=site,
                    consent=form.cleaned_data["consent"],
                    mpan=form.cleaned_data["mpan"],
                    chargers=form.charger_details(),
                    actor=request.user,
                )
            except ValidationError as error:
                show_service_errors(form, error, fields=JOIN_FIELDS)
            else:
                if outcome == JoinOutcome.REQUESTED:
                    messages.success(request, "Thanks: we've asked Axle to set you up.")
                else:
                    messages.info(request, "You've already asked to join, so nothing has changed.")
                return redirect("pages:join", pk=site.pk)
    else:
        form = JoinForm(initial={"mpan": site.mpan}, assets=assets)
    return _render(request, site, state, form)


def _render(request: HttpRequest, site: Site, state: JoinState, form: JoinForm) -> HttpResponse:
    return render_page(
        request,
        "pages/join.html",
        {"site": site, "state": state, "form": form, "has_consent": site.meter_consent_at is not None},
        tab="home",
        site=site,
    )


@login_required
@require_POST
def join_rejoin(request: HttpRequest, pk: int) -> HttpResponse:
    """Rejoin after leaving earlier: only ever on this button, the homeowner's own choice."""
    site = site_for(signed_in_user(request), pk)
    try:
        outcome = site_rejoin(site=site, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if outcome == JoinOutcome.REQUESTED:
            messages.success(request, "Welcome back: we've asked Axle to set you up again.")
        else:
            messages.info(request, "Nothing to do: your home is already joining, or can join with the form.")
    return redirect("pages:join", pk=site.pk)


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST withdraws the consent and leaves every programme."""
    site = site_for(signed_in_user(request), pk)
    if request.method == "POST":
        withdrawn = site_consent_withdraw(site=site, actor=request.user)
        if withdrawn or site.meter_consent_at is not None:
            messages.success(
                request,
                "Your consent is withdrawn. Axle no longer plans your charging: your charger follows "
                "your own schedule. You can join again whenever you like.",
            )
        else:
            messages.info(request, "Your consent was already withdrawn.")
        return redirect("pages:join", pk=site.pk)
    return render_page(
        request, "pages/join_withdraw.html", {"site": site, "state": join_state(site)}, tab="home", site=site
    )
