from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .admin_passwords import ChargerPasswordAdmin, PasswordFilter
from .models import Asset, HalfHourEnergy, MeterSample, Site

_M = TypeVar("_M", bound=Model)


class AssetInline(admin.TabularInline[Asset, Site]):
    model = Asset
    extra = 0
    fields = (
        "ocpp_charge_point_id",
        "external_id",
        "make",
        "model",
        "rated_power_kw",
        "phases",
        "axle_asset_id",
    )
    readonly_fields = ("axle_asset_id",)  # Axle's answer, not an operator's to type
    show_change_link = True


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    # Typed broadly: the smart-charging app extends this list with its own columns and filters.
    list_display: tuple[str | Callable[[Site], str | bool], ...] = (
        "__str__",
        "mpan",
        "household",
        "timezone",
        "axle_site_id",
        "meter_consent_at",
    )
    list_filter: ClassVar[tuple[Any, ...]] = (
        "timezone",
        ("meter_consent_at", admin.EmptyFieldListFilter),
        ("axle_site_id", admin.EmptyFieldListFilter),
    )
    search_fields = (
        "street_address",
        "postcode",
        "mpan",
        "household__name",
        "household__members__email",
        "=axle_site_id",
    )
    list_select_related = ("household",)
    autocomplete_fields = ("household",)
    # The homeowner's consent time and Axle's id are theirs to give, not an operator's to type:
    # they change with the homeowner's own action or Axle's answer (an audited correction aside).
    readonly_fields: ClassVar[tuple[str, ...]] = ("meter_consent_at", "axle_site_id", "created_at", "updated_at")
    inlines = [AssetInline]


@admin.register(Asset)
class AssetAdmin(ChargerPasswordAdmin):
    list_display = (
        "ocpp_charge_point_id",
        "external_id",
        "make",
        "model",
        "rated_power_kw",
        "phases",
        "rate_units",
        "site",
        "axle_asset_id",
    )
    list_filter = ("make", "phases", "rate_units", ("axle_asset_id", admin.EmptyFieldListFilter), PasswordFilter)
    search_fields = (
        "ocpp_charge_point_id",
        "external_id",
        "make",
        "model",
        "site__mpan",
        "site__postcode",
        "=axle_asset_id",
    )
    list_select_related = ("site",)
    autocomplete_fields = ("site",)
    readonly_fields = ("ocpp_password", "created_at", "updated_at")
    actions = ["generate_password"]


class _ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Derived or received data: shown to admins, changed only by the services that own it."""

    # Counting millions of rows on every page load says nothing an admin needs.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        # Deleting a sample by hand would leave its half hours computed from it.
        return False


@admin.register(MeterSample)
class MeterSampleAdmin(_ReadOnlyAdmin[MeterSample]):
    list_display = ("asset", "taken_at", "register_wh", "power_w", "received_at")
    search_fields = ("asset__ocpp_charge_point_id", "asset__external_id")
    list_select_related = ("asset",)


@admin.register(HalfHourEnergy)
class HalfHourEnergyAdmin(_ReadOnlyAdmin[HalfHourEnergy]):
    list_display = ("asset", "interval_start", "energy_kwh", "estimated", "updated_at")
    list_filter = ("estimated",)
    search_fields = ("asset__ocpp_charge_point_id", "asset__external_id")
    list_select_related = ("asset",)
