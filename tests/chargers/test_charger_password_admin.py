"""The admin's "Generate charger password…" action: asked to confirm, shown once, works at the gateway,
and needs its own permission."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from accounts.models import User
from chargers.charger_password import Verdict, authorization_key, password_check
from chargers.models import ChargerState
from tests.chargers.ocpp.handshakes import basic, handshakes
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/chargers/asset/"


@pytest.fixture
def chargers(db):
    return [AssetFactory(ocpp_charge_point_id="cp-a"), AssetFactory(ocpp_charge_point_id="cp-b")]


def operator(client, *permissions: str):
    user = User.objects.create_user("ops@example.com", "admin-passphrase-123", is_staff=True)
    codenames = ["view_asset", "change_asset", *permissions]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="chargers", codename__in=codenames))
    client.force_login(user)
    return client


def action(chargers, **extra: str) -> dict[str, object]:
    return {"action": "generate_password", "_selected_action": [str(a.pk) for a in chargers], **extra}


def shown_passwords(page: str) -> dict[str, str]:
    return dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td><code>([^<]+)</code></td>", page))


def test_the_action_asks_first_then_shows_each_password_once_and_the_gateway_admits_it(client, chargers):
    staff = operator(client, "set_charger_password")

    asked = staff.post(CHANGELIST, action(chargers))
    assert asked.status_code == 200
    assert "Give these chargers new OCPP passwords?" in asked.content.decode()
    assert not ChargerState.objects.exists()  # nothing changed until confirmed

    shown = staff.post(CHANGELIST, action(chargers, confirmed="yes"))

    page = shown.content.decode()
    passwords = shown_passwords(page)
    assert set(passwords) == {"cp-a", "cp-b"}
    assert all(len(password) == 20 for password in passwords.values())
    assert authorization_key(passwords["cp-a"]) in page  # the OCPP 1.6 AuthorizationKey (hex) too
    assert "no-store" in shown["Cache-Control"]
    for asset in chargers:
        stored = ChargerState.objects.get(asset=asset).password_hash
        assert password_check(passwords[asset.ocpp_charge_point_id].encode(), stored) is Verdict.MATCH
    history = " ".join(entry.get_change_message() for entry in LogEntry.objects.all())
    assert "new OCPP password" in history
    nowhere_else = [history, *(str(m) for m in get_messages(shown.wsgi_request))]
    nowhere_else.append(staff.get(CHANGELIST).content.decode())
    nowhere_else.append(staff.get(f"{CHANGELIST}{chargers[0].pk}/change/").content.decode())
    assert not [text for text in nowhere_else for password in passwords.values() if password in text]

    answers = handshakes(
        ("cp-a", basic("cp-a", passwords["cp-a"])),
        ("cp-b", basic("cp-b", passwords["cp-a"])),  # another charger's password
    )
    assert [status for status, _, _ in answers] == [101, 401]


def test_the_change_page_says_whether_a_charger_has_a_password_and_the_list_filters_by_it(client, chargers):
    staff = operator(client, "set_charger_password")
    assert (
        "None: the charger is admitted on its id alone"
        in staff.get(f"{CHANGELIST}{chargers[0].pk}/change/").content.decode()
    )

    staff.post(CHANGELIST, action(chargers[:1], confirmed="yes"))

    assert "Set (kept as an HMAC" in staff.get(f"{CHANGELIST}{chargers[0].pk}/change/").content.decode()
    with_one = staff.get(CHANGELIST, {"ocpp_password": "set"}).content.decode()
    without = staff.get(CHANGELIST, {"ocpp_password": "none"}).content.decode()
    assert ">cp-a<" in with_one
    assert ">cp-b<" not in with_one
    assert ">cp-b<" in without
    assert ">cp-a<" not in without


def test_staff_without_the_permission_are_not_offered_the_action_and_cannot_post_it(client, chargers):
    staff = operator(client)

    assert "generate_password" not in staff.get(CHANGELIST).content.decode()
    staff.post(CHANGELIST, action(chargers, confirmed="yes"))

    assert not ChargerState.objects.exists()
