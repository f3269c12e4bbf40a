from django.urls import path

from .views import ChargingProfileView, PingView

app_name = "axle-api"
urlpatterns = [
    path("assets/<str:asset_id>/charging-profile", ChargingProfileView.as_view(), name="charging-profile"),
    path("ping", PingView.as_view(), name="ping"),
]
