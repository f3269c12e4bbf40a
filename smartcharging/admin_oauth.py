"""The OAuth2 toolkit's models in admin: superusers only, and only those the platform uses.

An OAuth2 application is a door to the chargers if it is Axle's, so only superusers see, create
or change applications and tokens, whatever permissions a staff account was given. Grants, ID
tokens and refresh tokens belong to flows the platform does not run (client credentials only), so
they are not shown at all. Which applications are Axle's shows as a column; `manage.py
axle_oauth_client` marks them, and deleting an application takes its door away with it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from oauth2_provider.admin import AccessTokenAdmin, ApplicationAdmin
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from smartcharging.models import AxleClient


def _superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class SuperusersOnly:
    """Admin permissions as the parent class grants them, and only ever to superusers."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _superuser(request) and bool(super().has_add_permission(request, *args))  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request) and bool(super().has_change_permission(request, obj))  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request) and bool(super().has_delete_permission(request, obj))  # type: ignore[misc]


for model in (Application, AccessToken, Grant, IDToken, RefreshToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Application)
class SuperuserApplicationAdmin(SuperusersOnly, ApplicationAdmin):  # type: ignore[misc]  # no type hints
    list_display = (*ApplicationAdmin.list_display, "is_axles")

    @admin.display(boolean=True, description="Axle's client")
    def is_axles(self, application: Application) -> bool:
        return AxleClient.objects.filter(application_id=application.pk).exists()


@admin.register(AccessToken)
class SuperuserAccessTokenAdmin(SuperusersOnly, AccessTokenAdmin):  # type: ignore[misc]
    pass
