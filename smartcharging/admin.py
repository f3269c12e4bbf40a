from django.contrib import admin

from .models import ChargingIntent, Enrolment, Tariff


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin[Tariff]):
    list_display = (
        "site",
        "tariff_type",
        "name",
        "off_peak_windows",
        "axle_off_peak_times",
        "peak_rate_pence",
        "off_peak_rate_pence",
        "updated_at",
    )
    list_filter = ("tariff_type",)
    search_fields = ("name", "site__mpan", "site__postcode")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)

    @admin.display(description="Sent to Axle as")
    def axle_off_peak_times(self, obj: Tariff) -> str:
        return obj.axle_off_peak_times or "(none)"


@admin.register(ChargingIntent)
class ChargingIntentAdmin(admin.ModelAdmin[ChargingIntent]):
    list_display = (
        "asset",
        "energy_required_kwh",
        "ready_by_local_time",
        "charging_mode",
        "may_charge_peak",
        "one_off_ready_by",
        "updated_at",
    )
    list_filter = ("charging_mode", "may_charge_peak", "energy_estimated")
    search_fields = ("asset__ocpp_charge_point_id", "asset__external_id", "asset__site__mpan")
    list_select_related = ("asset",)
    autocomplete_fields = ("asset",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "asset",
                    "energy_required_kwh",
                    "ready_by_local_time",
                    "charging_mode",
                    "may_charge_peak",
                    "energy_estimated",
                )
            },
        ),
        (
            "Per-weekday ready-by",
            {
                "fields": (
                    "ready_by_monday",
                    "ready_by_tuesday",
                    "ready_by_wednesday",
                    "ready_by_thursday",
                    "ready_by_friday",
                    "ready_by_saturday",
                    "ready_by_sunday",
                )
            },
        ),
        ("One-off change", {"fields": ("one_off_energy_kwh", "one_off_ready_by")}),
    )


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = (
        "site",
        "proposition",
        "status",
        "requested_at",
        "enrolled_at",
        "unenrolled_at",
        "axle_status_code",
    )
    list_filter = ("proposition", "status")
    search_fields = ("site__mpan", "site__postcode", "site__street_address", "=site__axle_site_id")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)
    readonly_fields = ("axle_status_code", "axle_response", "updated_at")
