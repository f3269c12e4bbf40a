from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from smartcharging.views import healthz

urlpatterns = [
    path("", include("smartcharging.pages.urls")),  # the homeowner pages; "/" is home (or the front page)
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/axle/v1/", include("smartcharging.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]
