"""The admin page that corrects a site's consent time and Axle's ids: a reason required, audited.

On the site's own form these are read-only (`chargers.admin.SiteAdmin`); this page, linked from
the site's page and offered as an action to staff with the permission, is the one way an operator
changes them (`services.site_record.site_record_correct`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from chargers.models import Site
from smartcharging.services.site_record import may_correct_site_record, site_record_correct

ASSET_FIELD = "asset_{}"  # the form field for one charger's Axle id, named as the service names its errors


class SiteRecordForm(forms.Form):
    meter_consent_at = forms.SplitDateTimeField(
        label="Meter consent given at (UTC)",
        required=False,
        widget=AdminSplitDateTime,
        help_text="When the homeowner consented to Axle reading their boundary meter; empty: no consent.",
    )
    axle_site_id = forms.UUIDField(label="Axle site id", required=False)
    reason = forms.CharField(
        label="Reason",
        required=False,  # the service says what a missing reason means
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why the record is wrong and how you know. Kept in the site's history with your name.",
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meter_consent_at"].initial = site.meter_consent_at
        self.fields["axle_site_id"].initial = site.axle_site_id
        self.asset_pks = []
        for asset in site.assets.order_by("pk"):
            name = ASSET_FIELD.format(asset.pk)
            self.fields[name] = forms.UUIDField(
                label=f"Axle asset id of charger {asset.ocpp_charge_point_id}",
                required=False,
                initial=asset.axle_asset_id,
            )
            self.asset_pks.append(asset.pk)

    def axle_asset_ids(self) -> dict[int, uuid.UUID | None]:
        return {pk: self.cleaned_data[ASSET_FIELD.format(pk)] for pk in self.asset_pks}


class SiteRecordCorrection(admin.ModelAdmin[Site]):
    """Adds the correction page, its link on the site's page and an action, to the sites admin."""

    def has_correct_record_permission(self, request: HttpRequest) -> bool:
        return may_correct_site_record(request.user)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.correct_record_view)
        return [path("<int:site_id>/correct-record/", view, name="chargers_site_correct_record"), *super().get_urls()]

    def get_readonly_fields(self, request: HttpRequest, obj: Site | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and self.has_correct_record_permission(request):
            fields += ("record_correction",)
        return fields

    @admin.display(description="Consent or Axle's ids wrong?")
    def record_correction(self, site: Site) -> str:
        url = reverse("admin:chargers_site_correct_record", args=[site.pk])
        return format_html('<a href="{}">Correct consent or Axle ids…</a> (with a reason; audited)', url)

    @admin.action(description="Correct consent or Axle ids… (one site, with a reason)", permissions=["correct_record"])
    def correct_record(self, request: HttpRequest, queryset: QuerySet[Site]) -> HttpResponse | None:
        ids = list(queryset.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            self.message_user(request, "Select exactly one site to correct.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:chargers_site_correct_record", args=ids))

    def correct_record_view(self, request: HttpRequest, site_id: int) -> HttpResponse:
        if not self.has_correct_record_permission(request):
            raise PermissionDenied("Correcting consent or Axle's ids needs the permission “correct site record”.")
        site = get_object_or_404(Site, pk=site_id)
        form = SiteRecordForm(request.POST or None, site=site)
        if request.method == "POST" and form.is_valid():
            try:
                site_record_correct(
                    site_id=site.pk,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    meter_consent_at=form.cleaned_data["meter_consent_at"],
                    axle_site_id=form.cleaned_data["axle_site_id"],
                    axle_asset_ids=form.axle_asset_ids(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"{site}: corrected; the site's history says who, what and why.")
                return HttpResponseRedirect(reverse("admin:chargers_site_change", args=[site.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Correct consent or Axle ids: {site}",
            "site_record": site,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/smartcharging/site/correct_record.html", context)
