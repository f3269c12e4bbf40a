"""What every homeowner page shares: the signed-in user, the navigation, the site's clock."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from chargers.models import Asset, Site
from chargers.services.demo_car import demo_car_enabled
from smartcharging.pages.queries import household_assets


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view behind login_required (typed for the code below it)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("This view must be behind login_required.")
    return user


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    tab: str,
    asset: Asset | None = None,
    site: Site | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a page with the tab bar pointed at this charger (or the household's first one).

    Times in the page are shown on the site's clock (`page_timezone`, used by base.html).
    """
    assets = list(household_assets(signed_in_user(request)))
    nav_asset = asset or (next((a for a in assets if site is None or a.site_id == site.pk), None))
    nav_site = site or (nav_asset.site if nav_asset else None)
    zone = (nav_site.timezone if nav_site else None) or "Europe/London"
    return render(
        request,
        template,
        {
            "tab": tab,
            "nav_asset": nav_asset,
            "nav_site": nav_site,
            "household_assets": assets,
            "page_timezone": zone,
            "demo_car": demo_car_enabled(),
            **context,
        },
        status=status,
    )


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back to after a button: only a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {request.get_host()}
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=allowed, require_https=request.is_secure()):
        return target
    return default
