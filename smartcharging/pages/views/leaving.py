"""Pausing and leaving: smart charging on or off for a home, and moving out of it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from chargers.models import Site
from smartcharging.models import Proposition
from smartcharging.pages.forms import MoveOutForm
from smartcharging.pages.queries import site_for
from smartcharging.rewards import RewardsUnavailable, rewards_for_site
from smartcharging.selectors import site_product
from smartcharging.services.leaving import (
    address_first_line,
    site_move_out,
    smart_charging_restart,
    smart_charging_stop,
    stopped_proposition,
)

from .common import render_page, signed_in_user

PRODUCT_WORDS = {Proposition.SMART_CHARGING: "Smart Charging", Proposition.FLEX_LITE: "Flex Lite"}


@login_required
@require_safe
def membership(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for(signed_in_user(request), pk)
    product = site_product(site.pk)
    context = {
        "site": site,
        "product": PRODUCT_WORDS[product] if product else None,
        "flex_lite": product == Proposition.FLEX_LITE,
        "can_restart": product is None and stopped_proposition(site.pk) is not None,
    }
    return render_page(request, "pages/membership.html", context, tab="home", site=site)


@login_required
@require_POST
def membership_stop(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for(signed_in_user(request), pk)
    if smart_charging_stop(site=site, actor=request.user) is None:
        messages.info(request, "Smart charging was already off. Nothing has changed.")
    else:
        messages.success(
            request,
            "Smart charging is off. Your charger follows its own schedule from now on, "
            "and your rewards stay in your account.",
        )
    return redirect("pages:membership", pk=site.pk)


@login_required
@require_POST
def membership_start(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for(signed_in_user(request), pk)
    try:
        started = smart_charging_restart(site=site, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if started is None:
            messages.info(request, "Smart charging is already on. Nothing has changed.")
        else:
            messages.success(
                request,
                f"{PRODUCT_WORDS[started]} is starting again. Axle plans your charging from your next plug-in.",
            )
    return redirect("pages:membership", pk=site.pk)


@login_required
@require_http_methods(["GET", "POST"])
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Rewards first (with the withdrawal link), then a confirmation that cannot be given by accident."""
    site = site_for(signed_in_user(request), pk)
    first_line = address_first_line(site)
    form = MoveOutForm(request.POST or None, address_line=first_line)
    if request.method == "POST" and form.is_valid():
        site_move_out(site=site, actor=request.user)
        messages.success(request, f"You've moved out of {first_line}.")
        return redirect("pages:moved-out")
    return render_page(
        request,
        "pages/move_out.html",
        _rewards_context(site) | {"site": site, "form": form, "first_line": first_line},
        tab="home",
        site=site,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_safe
def moved_out(request: HttpRequest) -> HttpResponse:
    return render_page(request, "pages/moved_out.html", {}, tab="home")


def _rewards_context(site: Site) -> dict[str, object]:
    if site.axle_site_id is None:
        return {"no_rewards": True}
    try:
        return {"rewards": rewards_for_site(site), "back": reverse("pages:move-out", args=[site.pk])}
    except RewardsUnavailable as unavailable:
        return {"unavailable": str(unavailable)}
