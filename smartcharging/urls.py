from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from smartcharging.api.oauth import AxleRevokeTokenView, AxleTokenView
from smartcharging.views import api_docs, healthz

# Only the two OAuth2 endpoints Axle uses, under the toolkit's names. Not the toolkit's whole
# `oauth2_provider.urls`: its authorisation and application-registration pages would let any
# signed-in homeowner make a client of their own (smartcharging/api/oauth.py).
oauth_patterns = [
    path("token/", AxleTokenView.as_view(), name="token"),
    path("revoke_token/", AxleRevokeTokenView.as_view(), name="revoke-token"),
]

urlpatterns = [
    path("", include("smartcharging.pages.urls")),  # the homeowner pages; "/" is home (or the front page)
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("oauth/", include((oauth_patterns, "oauth2_provider"))),
    path("api/axle/v1/", include("smartcharging.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),  # Redoc, with its own CSP relaxation
    path("healthz", healthz, name="healthz"),
]
