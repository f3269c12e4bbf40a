"""Chargers' OCPP passwords in admin: generate (shown once), see which chargers have one, filter by it.

The password is on the page that answers the confirming POST and nowhere else: not stored in clear,
not in a message (messages live in the session or a cookie), not in the admin's history, whose entry
says only that a new one was given.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from .charger_password import SCHEME, authorization_key, password_generate
from .models import Asset
from .services.charger_passwords import charger_passwords_set

SET_PASSWORD_PERMISSION = "chargers.set_charger_password"  # noqa: S105  (a permission's name)
_OURS = Q(state__password_hash__startswith=f"{SCHEME}$")
_NONE = Q(state__isnull=True) | Q(state__password_hash="")


class PasswordFilter(admin.SimpleListFilter):
    title = "OCPP password"
    parameter_name = "ocpp_password"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Asset]) -> list[tuple[str, str]]:
        return [("set", "Set"), ("none", "None"), ("old", "In an old form (refused: set a new one)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Asset]) -> QuerySet[Asset]:
        wanted = {"set": _OURS, "none": _NONE, "old": ~_OURS & ~_NONE}.get(self.value() or "")
        return queryset if wanted is None else queryset.filter(wanted)


class ChargerPasswordAdmin(admin.ModelAdmin[Asset]):
    """Mixed into the Asset admin: the "Generate charger password…" action and the password's state."""

    def has_set_charger_password_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SET_PASSWORD_PERMISSION)

    @admin.display(description="OCPP password")
    def ocpp_password(self, asset: Asset) -> str:
        state = getattr(asset, "state", None)
        stored = state.password_hash if state is not None else ""
        if not stored:
            return "None: the charger is admitted on its id alone, unless OCPP_REQUIRE_PASSWORD refuses it."
        if stored.startswith(f"{SCHEME}$"):
            return "Set (kept as an HMAC; it was shown once, when it was made)."
        return "In an old form the gateway no longer checks: the charger is refused until it gets a new one."

    @admin.action(description="Generate charger password…", permissions=["set_charger_password"])
    def generate_password(self, request: HttpRequest, queryset: QuerySet[Asset]) -> HttpResponse | None:
        assets = list(queryset.order_by("ocpp_charge_point_id"))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "assets": assets}
        if request.POST.get("confirmed") != "yes":
            context["title"] = "Give these chargers new OCPP passwords?"
            return TemplateResponse(request, "admin/chargers/asset/password_confirm.html", context)
        passwords = {asset.ocpp_charge_point_id: password_generate() for asset in assets}
        try:
            charger_passwords_set(passwords=passwords)
        except ValidationError as error:  # a charger removed meanwhile
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        for asset in assets:
            self.log_change(request, asset, "Gave it a new OCPP password (shown once; kept only as an HMAC).")
        context["title"] = "New OCPP passwords: copy them now"
        context["rows"] = [
            (asset, passwords[asset.ocpp_charge_point_id], authorization_key(passwords[asset.ocpp_charge_point_id]))
            for asset in assets
        ]
        response = TemplateResponse(request, "admin/chargers/asset/password_generated.html", context)
        add_never_cache_headers(response)  # no copy in the browser's cache or a proxy's
        return response
