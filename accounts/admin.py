from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .models import Household, User


class EmailUserCreationForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "household", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name", "household__name")
    list_select_related = ("household",)
    autocomplete_fields = ("household",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name", "household")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ("name", "member_count", "site_count", "created_at")
    search_fields = ("name", "members__email", "sites__postcode", "sites__mpan")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("members", distinct=True), _sites=Count("sites", distinct=True))
        )

    @admin.display(description="Members", ordering="_members")
    def member_count(self, obj: Household) -> int:
        return obj._members  # type: ignore[attr-defined, no-any-return]

    @admin.display(description="Sites", ordering="_sites")
    def site_count(self, obj: Household) -> int:
        return obj._sites  # type: ignore[attr-defined, no-any-return]
