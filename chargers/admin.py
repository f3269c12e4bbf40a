from django.contrib import admin

from .models import Asset, Site


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
    show_change_link = True


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("__str__", "mpan", "household", "timezone", "axle_site_id", "meter_consent_at")
    list_filter = (
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
    readonly_fields = ("created_at", "updated_at")
    inlines = [AssetInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin[Asset]):
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
    list_filter = ("make", "phases", "rate_units", ("axle_asset_id", admin.EmptyFieldListFilter))
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
    readonly_fields = ("created_at", "updated_at")
