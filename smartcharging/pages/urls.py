"""Homeowner pages. Chargers and homes are addressed by our own ids; each lookup is household-scoped."""

from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("chargers/<int:pk>/plan/", views.plan, name="plan"),
    path("chargers/<int:pk>/plan/live/", views.plan_live, name="plan-live"),
    path("chargers/<int:pk>/needs/", views.needs, name="needs"),
    path("chargers/<int:pk>/tonight/", views.tonight, name="tonight"),
    path("chargers/<int:pk>/tonight/cancel/", views.tonight_cancel, name="tonight-cancel"),
    path("chargers/<int:pk>/boost/", views.boost, name="boost"),
    path("chargers/<int:pk>/boost/stop/", views.boost_stop, name="boost-stop"),
    path("chargers/<int:pk>/demo-car/<str:action>/", views.demo_car_move, name="demo-car"),
    path("homes/<int:pk>/join/", views.join, name="join"),
    path("homes/<int:pk>/join/rejoin/", views.join_rejoin, name="join-rejoin"),
    path("homes/<int:pk>/join/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("homes/<int:pk>/tariff/", views.tariff, name="tariff"),
    path("homes/<int:pk>/rewards/", views.rewards, name="rewards"),
    path("homes/<int:pk>/rewards/withdraw/", views.withdraw, name="withdraw"),
    path("homes/<int:pk>/membership/", views.membership, name="membership"),
    path("homes/<int:pk>/membership/stop/", views.membership_stop, name="membership-stop"),
    path("homes/<int:pk>/membership/start/", views.membership_start, name="membership-start"),
    path("homes/<int:pk>/move-out/", views.move_out, name="move-out"),
    path("moved-out/", views.moved_out, name="moved-out"),
    path("history/", views.history, name="history"),
]
