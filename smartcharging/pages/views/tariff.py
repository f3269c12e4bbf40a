"""The home's electricity tariff: start from a common UK tariff, or enter windows and rates by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from chargers.models import Site
from smartcharging import offpeak
from smartcharging.models import Tariff, TariffType
from smartcharging.pages.charts import day_strip
from smartcharging.pages.forms import TariffForm, show_service_errors
from smartcharging.pages.presets import PRESETS_BY_KEY, TARIFF_PRESETS, TariffPreset
from smartcharging.pages.queries import one_to_one, site_for
from smartcharging.services.tariffs import tariff_set

from .common import render_page, signed_in_user
from .needs import saved_message

TARIFF_FIELDS = {
    "tariff_type": "tariff_type",
    "off_peak_windows": "windows",
    "name": "name",
    "peak_rate_pence": "peak_rate_pence",
    "off_peak_rate_pence": "off_peak_rate_pence",
}


def _initial(tariff: Tariff | None, preset: TariffPreset | None) -> dict[str, Any]:
    if preset is not None:
        return {
            "name": preset.name,
            "tariff_type": preset.tariff_type.value,
            "peak_rate_pence": preset.peak_rate_pence,
            "off_peak_rate_pence": preset.off_peak_rate_pence,
        } | TariffForm.initial_windows(preset.windows_text)
    if tariff is None:
        return {"tariff_type": TariffType.DUAL_RATE.value}
    return {
        "name": tariff.name,
        "tariff_type": tariff.tariff_type,
        "peak_rate_pence": tariff.peak_rate_pence,
        "off_peak_rate_pence": tariff.off_peak_rate_pence,
    } | TariffForm.initial_windows(tariff.off_peak_windows)


@login_required
@require_http_methods(["GET", "POST"])
def tariff(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for(signed_in_user(request), pk)
    current = one_to_one(site, "tariff", Tariff)
    preset = PRESETS_BY_KEY.get(request.GET.get("preset", ""))
    if request.method == "POST":
        form = TariffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                tariff_set(
                    site=site,
                    tariff_type=data["tariff_type"],
                    off_peak_windows=data["windows"],
                    name=data["name"],
                    peak_rate_pence=data["peak_rate_pence"],
                    off_peak_rate_pence=data["off_peak_rate_pence"],
                    actor=request.user,
                )
            except ValidationError as error:
                show_service_errors(form, error, fields=TARIFF_FIELDS)
            else:
                first = site.assets.order_by("id").first()
                done = "Your tariff is saved."
                messages.success(request, saved_message(first, done) if first else done)
                return redirect("pages:tariff", pk=site.pk)
    else:
        form = TariffForm(initial=_initial(current, preset))
    return _render(request, site, form, current, preset)


def _render(
    request: HttpRequest, site: Site, form: TariffForm, current: Tariff | None, preset: TariffPreset | None
) -> HttpResponse:
    presets = [(p, day_strip(offpeak.parse_windows(p.windows_text))) for p in TARIFF_PRESETS]
    return render_page(
        request,
        "pages/tariff.html",
        {
            "site": site,
            "form": form,
            "current": current,
            "current_strip": day_strip(current.windows) if current else None,
            "presets": presets,
            "chosen": preset,
        },
        tab="tariff",
        site=site,
    )
