from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from .forms import AdminSignInForm
from .invitations import INVITE_PERMISSION, households_invitable_by, invitation_revoke
from .models import Household, Invitation, User
from .views import too_many_failures_answer_429

# Django admin's sign-in counts failures with ours (accounts/attempts.py). Set here, when the admin
# discovers this module at start-up: before the URLconf binds `admin.site.login`.
admin.site.login_form = AdminSignInForm
admin.site.login = too_many_failures_answer_429(admin.site.login)  # type: ignore[method-assign]


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
    filter_horizontal = ("managers",)

    def get_readonly_fields(self, request: HttpRequest, obj: Household | None = None) -> tuple[str, ...]:
        # Who manages a household decides who may invite people into it: superusers only, or an
        # operator with "change household" could make themselves a manager of any household.
        return () if cast(User, request.user).is_superuser else ("managers",)

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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """The audit of invitations: read-only. Making one is the invitation page; an unused one can be withdrawn."""

    list_display = ("email", "household", "created_by", "created_at", "expires_at", "state", "used_at", "used_by")
    list_filter = ("created_at", "used_at", "revoked_at")
    search_fields = ("email", "household__name", "created_by__email", "used_by__email")
    list_select_related = ("household", "created_by", "used_by")
    date_hierarchy = "created_at"
    actions = ("withdraw",)
    fields = (*list_display, "revoked_at", "revoked_by")  # every column but the token's hash
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        user = cast(User, request.user)
        everything = super().get_queryset(request)
        if user.has_perm("accounts.view_invitation"):
            return everything
        return everything.filter(household__in=households_invitable_by(user))  # an inviter sees their households'

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm(INVITE_PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made on the invitation page, which shows the link once (the list links to it)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {"can_invite": request.user.has_perm(INVITE_PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit is kept

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(INVITE_PERMISSION)

    @admin.display(description="State")
    def state(self, obj: Invitation) -> str:
        return obj.state

    @admin.action(description="Withdraw the selected unused invitations", permissions=["withdraw"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        user = cast(User, request.user)
        ids = list(queryset.values_list("pk", flat=True))
        withdrawn = sum(invitation_revoke(invitation_id=pk, revoked_by=user) for pk in ids)
        if withdrawn:
            self.message_user(request, f"Withdrew {withdrawn} invitation(s): their links no longer work.")
        if withdrawn < len(ids):
            self.message_user(
                request,
                f"{len(ids) - withdrawn} could not be withdrawn: already used or withdrawn, "
                "or into a household you don't manage.",
                messages.WARNING,
            )
