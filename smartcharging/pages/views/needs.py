"""What the car needs: the routine (kWh, ready-by, mode, weekdays) and a one-off change for tonight."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from chargers.models import Asset
from smartcharging.models import WEEKDAY_FIELDS, ChargingIntent
from smartcharging.pages.forms import (
    DEFAULT_EFFICIENCY_MI_PER_KWH,
    ENERGY_PRESETS_KWH,
    READY_BY_PRESETS,
    IntentForm,
    TonightForm,
    show_service_errors,
)
from smartcharging.pages.queries import asset_for, axle_is_behind, one_to_one
from smartcharging.selectors import intent_effective, site_follows_smart_charging
from smartcharging.services.intents import intent_clear_one_off, intent_set, intent_set_one_off

from .common import render_page, signed_in_user

INTENT_FIELDS = {
    "energy_required_kwh": "energy_kwh",
    "ready_by_local_time": "ready_by",
    "charging_mode": "charging_mode",
    "may_charge_peak": "may_charge_peak",
}
ONE_OFF_FIELDS = {"ready_by_local_time": "ready_by", "one_off_ready_by": "ready_by", "one_off_energy_kwh": "energy_kwh"}
# The homeowner's car efficiency is not part of the intent Axle needs; it is remembered per browser.
EFFICIENCY_KEY = "pages.efficiency"


def _routine_initial(request: HttpRequest, intent: ChargingIntent | None) -> dict[str, Any]:
    remembered = request.session.get(EFFICIENCY_KEY, {})
    initial: dict[str, Any] = {
        "efficiency": remembered.get("efficiency", str(DEFAULT_EFFICIENCY_MI_PER_KWH)),
        "distance_unit": remembered.get("unit", "mi"),
    }
    if intent is not None:
        initial |= {
            "energy_kwh": f"{intent.energy_required_kwh.normalize():f}",  # "30", not "30.0" or "3E+1"
            "ready_by": intent.ready_by_local_time,
            "charging_mode": intent.charging_mode,
            "may_charge_peak": intent.may_charge_peak,
        } | {f"day_{i}": getattr(intent, name) for i, name in enumerate(WEEKDAY_FIELDS)}
    return initial


def saved_message(asset: Asset, done: str) -> str:
    """Saving always succeeds here; whether Axle has heard yet is said plainly."""
    if not site_follows_smart_charging(asset.site_id):
        return done
    if axle_is_behind(asset.site, now=timezone.now()):
        return f"{done} Axle can't be reached just now, so the plan will update when Axle is back. Nothing is lost."
    return f"{done} We've sent it to Axle, who will update your plan in a moment."


def _render(
    request: HttpRequest,
    asset: Asset,
    *,
    routine: IntentForm | None = None,
    tonight: TonightForm | None = None,
    status: int = 200,
) -> HttpResponse:
    intent = one_to_one(asset, "intent", ChargingIntent)
    now = timezone.now()
    effective = intent_effective(intent, now=now, zone=asset.site.zone) if intent else None
    return render_page(
        request,
        "pages/needs.html",
        {
            "asset": asset,
            "intent": intent,
            "effective": effective,
            "routine": routine or IntentForm(initial=_routine_initial(request, intent)),
            "tonight": tonight or TonightForm(),
            "energy_presets": ENERGY_PRESETS_KWH,
            "ready_by_presets": READY_BY_PRESETS,
            "now": now,
        },
        tab="needs",
        asset=asset,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def needs(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    if request.method != "POST":
        return _render(request, asset)
    form = IntentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("efficiency"):
            request.session[EFFICIENCY_KEY] = {"efficiency": str(data["efficiency"]), "unit": data["distance_unit"]}
        try:
            intent_set(
                asset=asset,
                energy_required_kwh=Decimal(data["energy_kwh"]),
                ready_by_local_time=data["ready_by"],
                charging_mode=data["charging_mode"],
                may_charge_peak=data["may_charge_peak"],
                energy_estimated=form.energy_estimated,
                weekday_ready_by=form.weekday_ready_by(),
                actor=request.user,
            )
        except ValidationError as error:
            show_service_errors(form, error, fields=INTENT_FIELDS)
        else:
            messages.success(request, saved_message(asset, "Your charging needs are saved."))
            return redirect("pages:needs", pk=asset.pk)
    return _render(request, asset, routine=form, status=200)


@login_required
@require_POST
def tonight(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    form = TonightForm(request.POST)
    if form.is_valid():
        try:
            intent = intent_set_one_off(
                asset=asset,
                ready_by_local_time=form.cleaned_data["ready_by"],
                energy_required_kwh=form.cleaned_data["energy_kwh"],
                now=timezone.now(),
                actor=request.user,
            )
        except ValidationError as error:
            show_service_errors(form, error, fields=ONE_OFF_FIELDS)
        else:
            ready = intent.one_off_ready_by.astimezone(asset.site.zone) if intent.one_off_ready_by else None
            when = f" (ready by {ready:%H:%M} on {ready:%A})" if ready else ""
            messages.success(request, saved_message(asset, f"Your one-off change{when} is saved."))
            return redirect("pages:needs", pk=asset.pk)
    return _render(request, asset, tonight=form, status=200)


@login_required
@require_POST
def tonight_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for(signed_in_user(request), pk)
    intent = one_to_one(asset, "intent", ChargingIntent)
    if intent is not None and intent.one_off_ready_by is not None:  # a second tap changes nothing
        intent_clear_one_off(asset=asset, actor=request.user)
    messages.success(request, saved_message(asset, "One-off change cancelled: back to your routine."))
    return redirect("pages:needs", pk=asset.pk)
