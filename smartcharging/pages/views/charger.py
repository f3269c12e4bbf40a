"""Home (every charger at a glance), a charger's plan (live), and "Charge now"."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from chargers.services.demo_car import DemoCarUnavailable, demo_car
from smartcharging.pages.charts import plan_chart
from smartcharging.pages.formatting import clock
from smartcharging.pages.forms import BoostForm
from smartcharging.pages.membership import sites_to_join
from smartcharging.pages.queries import ChargerOverview, asset_for, charger_overview, household_assets, household_sites
from smartcharging.selectors import site_product
from smartcharging.services.boost import boost_cancel, boost_start
from smartcharging.services.leaving import stopped_proposition

from .common import render_page, safe_next, signed_in_user


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: each charger's state and verdict. Signed out: what this is, and where to sign in."""
    if not request.user.is_authenticated:
        return render(request, "index.html")
    user = signed_in_user(request)
    now = timezone.now()
    overviews = [charger_overview(asset, now=now) for asset in household_assets(user)]
    homes = [(site, site_product(site.pk) is not None) for site in household_sites(user)]
    return render_page(
        request,
        "pages/home.html",
        {
            "overviews": overviews,
            "homes": homes,
            "boost_form": BoostForm(),
            "now": now,
            "user_name": user.get_short_name(),
            "sites_to_join": list(sites_to_join(user)),
        },
        tab="home",
    )


def _plan_context(overview: ChargerOverview) -> dict[str, object]:
    now = timezone.now()
    chart = None
    if overview.plan and overview.effective:
        chart = plan_chart(
            overview.plan,
            ready_by=overview.effective.ready_by,
            full_kw=overview.asset.rated_power_kw,
            zone=overview.site.zone,
        )
    schedule = overview.schedule
    # Changes when something the page shows changes: a new schedule or its state, intent, tariff.
    version = "-".join(
        str(part)
        for part in (
            schedule.pk if schedule else 0,
            schedule.apply_state if schedule else "",
            overview.intent.updated_at.timestamp() if overview.intent else 0,
            overview.status.key,
        )
    )
    # Smart charging stopped by the homeowner: the charger follows its own schedule until they start again.
    own_schedule = site_product(overview.site.pk) is None and stopped_proposition(overview.site.pk) is not None
    return {"o": overview, "chart": chart, "version": version, "now": now, "own_schedule": own_schedule}


@login_required
@require_safe
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    overview = charger_overview(asset, now=timezone.now())
    context = _plan_context(overview) | {"boost_form": BoostForm()}
    return render_page(request, "pages/plan.html", context, tab="plan", asset=asset)


@login_required
@require_safe
def plan_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's changing part, polled by the page every few seconds (static/js/app.js)."""
    asset = asset_for(signed_in_user(request), pk)
    overview = charger_overview(asset, now=timezone.now())
    context = _plan_context(overview) | {"page_timezone": asset.site.timezone}
    response = render(request, "pages/_plan_live.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def boost(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    back = safe_next(request, reverse("pages:plan", args=[asset.pk]))
    form = BoostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how long to charge for.")
        return redirect(back)
    try:
        end_at = boost_start(asset=asset, duration=timedelta(hours=form.cleaned_data["hours"]), now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request, f"Charging now until {clock(end_at, asset.site.zone)}. Your plan takes over again after that."
    )
    return redirect(back)


@login_required
@require_POST
def boost_stop(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    back = safe_next(request, reverse("pages:plan", args=[asset.pk]))
    try:
        boost_cancel(asset=asset)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Boost stopped. Your plan is back in charge.")
    return redirect(back)


@login_required
@require_POST
def demo_car_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The local demo's simulated car, plugged in or out from the page."""
    asset = asset_for(signed_in_user(request), pk)
    back = safe_next(request, reverse("pages:plan", args=[asset.pk]))
    if action not in ("plug-in", "unplug"):
        raise Http404("No such action.")
    try:
        demo_car(asset, "plug-in" if action == "plug-in" else "unplug")
    except DemoCarUnavailable as error:
        messages.error(request, str(error))
    else:
        done = "plugged in: Axle's plan will appear here in a few seconds" if action == "plug-in" else "unplugged"
        messages.success(request, f"Simulated car {done}.")
    return redirect(back)
