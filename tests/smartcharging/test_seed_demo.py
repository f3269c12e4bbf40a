"""`seed_demo`: what the one-command local run starts from."""

import base64

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from accounts.models import User
from chargers.models import Asset
from smartcharging.management.commands.seed_demo import STANDIN_CLIENT_ID, STANDIN_CLIENT_SECRET
from smartcharging.models import AxleEvent, Enrolment, EnrolmentStatus, EventKind, Proposition

pytestmark = pytest.mark.django_db


def test_demo_households_are_enrolled_through_the_outbox_and_the_standin_can_sign_in(client):
    call_command("seed_demo")
    call_command("seed_demo")  # a second `make run` changes nothing
    assert set(User.objects.values_list("email", flat=True)) == {
        "ops@example.com",
        "ann@example.com",
        "bob@example.com",
    }
    assert set(Asset.objects.values_list("ocpp_charge_point_id", flat=True)) == {"SIM-7KW-001", "SIM-22KW-002"}
    enrolments = Enrolment.objects.order_by("site__mpan")
    assert [(e.site.mpan, e.proposition, e.status) for e in enrolments] == [
        ("1200023305967", Proposition.SMART_CHARGING, EnrolmentStatus.PENDING),  # Ann
        ("1234567890126", Proposition.FLEX_LITE, EnrolmentStatus.PENDING),  # Bob, to try the migration on
    ]
    assert AxleEvent.objects.filter(kind=EventKind.ONBOARD).count() == 2  # the stand-in onboards them
    application = Application.objects.get(client_id=STANDIN_CLIENT_ID)
    assert application.client_secret != STANDIN_CLIENT_SECRET  # stored hashed
    token = client.post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "schedules:write"},
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{STANDIN_CLIENT_ID}:{STANDIN_CLIENT_SECRET}".encode()).decode(),
    )
    assert token.status_code == 200, token.content
    assert token.json()["scope"] == "schedules:write"


def test_it_refuses_to_run_in_production(settings):
    settings.SETTINGS_MODULE = "smartcharging.settings.production"
    with pytest.raises(CommandError, match="never runs in production"):
        call_command("seed_demo")
