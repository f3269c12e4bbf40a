"""Past charging sessions, and rewards from Axle (read on demand; the withdrawal link never kept)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from smartcharging.pages.queries import household_sites, session_history, site_for
from smartcharging.rewards import RewardsUnavailable, rewards_for_site, withdrawal_link

from .common import render_page, safe_next, signed_in_user


@login_required
@require_safe
def history(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = session_history(user, now=timezone.now())
    sites = list(household_sites(user))
    return render_page(
        request,
        "pages/history.html",
        {"rows": rows, "sites": sites, "many_chargers": len({r.asset.pk for r in rows}) > 1},
        tab="history",
    )


@login_required
@require_safe
def rewards(request: HttpRequest, pk: int) -> HttpResponse:
    """The home's rewards, fetched from Axle: loaded into the history page after it shows, so a slow
    Axle never holds up the sessions; opened directly, it is a page of its own."""
    site = site_for(signed_in_user(request), pk)
    try:
        context: dict[str, object] = {"site": site, "rewards": rewards_for_site(site)}
    except RewardsUnavailable as unavailable:
        context = {"site": site, "unavailable": str(unavailable)}
    if request.headers.get("X-Fragment"):
        return render(request, "pages/_rewards.html", context | {"page_timezone": site.timezone})
    return render_page(request, "pages/rewards.html", context, tab="history", site=site)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the homeowner to Axle's one-time withdrawal page.

    The link lets anyone holding it take the money, so it is fetched only now, handed straight to
    this browser in the redirect, and never stored, cached or logged.
    """
    site = site_for(signed_in_user(request), pk)
    # Back where the homeowner asked from: the history, or the moving-out page.
    back = safe_next(request, reverse("pages:history"))
    try:
        link = withdrawal_link(site, redirect_uri=request.build_absolute_uri(back))
    except RewardsUnavailable as unavailable:
        messages.error(request, str(unavailable))
        return redirect(back)
    response = HttpResponseRedirect(link)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
