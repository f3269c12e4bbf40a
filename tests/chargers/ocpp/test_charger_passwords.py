"""Charger passwords over a real OCPP WebSocket handshake to the gateway: who gets in, who is refused
and with what answer, what is stored, and how failed attempts are cooled off."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.contrib.auth.hashers import make_password

from chargers.charger_password import SCHEME
from chargers.models import ChargerState
from chargers.services.charger_passwords import charger_passwords_set
from tests.chargers.ocpp.conftest import charger_running, gateway_running
from tests.chargers.ocpp.handshakes import basic, handshakes
from tests.chargers.ocpp.waiting import eventually
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

RIGHT = "k3Yw9QpZ2mLr7TxVb4Nd"  # 20 characters, as generated
WRONG = "not-the-password-at-all"


def give_password(asset, password):
    charger_passwords_set(passwords={asset.ocpp_charge_point_id: password})


@pytest.fixture
def charger(db):
    return AssetFactory(ocpp_charge_point_id="cp-locked")


@pytest.fixture
def limits(settings):
    settings.OCPP_PASSWORD_FAILURES_PER_CHARGER = 3
    settings.OCPP_PASSWORD_FAILURES_PER_ADDRESS = 6
    settings.OCPP_PASSWORD_COOL_OFF_S = 600
    return settings


def test_the_right_password_is_admitted_and_the_charger_works(charger):
    give_password(charger, RIGHT)

    async def scenario():
        async with gateway_running() as gateway, charger_running(gateway, charger, password=RIGHT):
            return await eventually(
                lambda: ChargerState.objects.get(asset=charger), until=lambda state: state.booted_at is not None
            )

    assert async_to_sync(scenario)().connected


def test_a_wrong_password_is_refused_with_401_and_a_reason(charger):
    give_password(charger, RIGHT)
    [(status, body, headers)] = handshakes(("cp-locked", basic("cp-locked", WRONG)))
    assert status == 401
    assert "Wrong password for charge point 'cp-locked'." in body
    assert headers["WWW-Authenticate"] == 'Basic realm="OCPP"'


def test_a_charger_with_a_password_that_presents_none_is_refused(charger):
    give_password(charger, RIGHT)
    [(status, body, _)] = handshakes(("cp-locked", {}))
    assert status == 401
    assert "must present its password (HTTP Basic" in body


def test_the_password_of_another_charge_point_id_is_refused(charger):
    give_password(charger, RIGHT)
    [(status, _, _)] = handshakes(("cp-locked", basic("cp-other", RIGHT)))
    assert status == 401


def test_when_passwords_are_required_a_charger_without_one_is_refused_and_told_how_to_get_one(charger, settings):
    settings.OCPP_REQUIRE_PASSWORD = True
    [(status, body, _)] = handshakes(("cp-locked", {}))
    assert status == 401
    assert "has no password and this gateway requires one (OCPP_REQUIRE_PASSWORD)" in body
    assert "manage.py charger_password cp-locked --generate" in body


def test_when_passwords_are_not_required_a_charger_without_one_is_admitted_as_in_the_demo(charger, settings):
    settings.OCPP_REQUIRE_PASSWORD = False
    assert handshakes(("cp-locked", {})) == [(101, "", {})]


def test_after_too_many_failures_even_the_right_password_waits_out_the_cool_off(charger, limits):
    give_password(charger, RIGHT)
    wrong = ("cp-locked", basic("cp-locked", WRONG))
    right = ("cp-locked", basic("cp-locked", RIGHT))

    answers = handshakes(wrong, wrong, wrong, right)

    assert [status for status, _, _ in answers] == [401, 401, 401, 429]
    assert "Too many failed attempts: the next are refused for 600 s." in answers[2][1]
    _, body, headers = answers[3]
    assert "Too many failed attempts by charge point 'cp-locked'" in body
    assert 590 <= int(headers["Retry-After"]) <= 600
    with time_machine.travel(time.time() + 601):
        assert handshakes(right) == [(101, "", {})]


def test_failures_from_one_address_cool_off_that_address_for_every_charger(charger, limits):
    other = AssetFactory(ocpp_charge_point_id="cp-neighbour")
    give_password(other, RIGHT)
    guesses = [(f"cp-guess-{n}", basic(f"cp-guess-{n}", WRONG)) for n in range(6)]  # unknown ids, one address

    answers = handshakes(*guesses, ("cp-neighbour", basic("cp-neighbour", RIGHT)))

    assert [status for status, _, _ in answers] == [404] * 6 + [429]


def test_behind_a_trusted_proxy_failures_count_against_the_forwarded_address(charger, limits):
    limits.OCPP_TRUSTED_PROXY_COUNT = 1
    give_password(charger, RIGHT)
    other = AssetFactory(ocpp_charge_point_id="cp-elsewhere")
    give_password(other, RIGHT)
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    guesses = [(f"cp-guess-{n}", basic(f"cp-guess-{n}", WRONG) | guesser) for n in range(6)]

    answers = handshakes(
        *guesses,
        ("cp-elsewhere", basic("cp-elsewhere", RIGHT) | guesser),
        ("cp-elsewhere", basic("cp-elsewhere", RIGHT) | {"X-Forwarded-For": "198.51.100.9"}),
    )

    assert [status for status, _, _ in answers][-2:] == [429, 101]


def test_a_success_forgets_the_chargers_failures(charger, limits):
    give_password(charger, RIGHT)
    wrong = ("cp-locked", basic("cp-locked", WRONG))
    right = ("cp-locked", basic("cp-locked", RIGHT))

    answers = handshakes(wrong, wrong, right, wrong, wrong, right)

    assert [status for status, _, _ in answers] == [401, 401, 101, 401, 401, 101]


def test_a_new_password_lets_a_locked_out_charger_in_at_once(charger, limits):
    give_password(charger, "an-old-password-0123")
    wrong = ("cp-locked", basic("cp-locked", WRONG))
    assert [status for status, _, _ in handshakes(wrong, wrong, wrong)] == [401, 401, 401]

    give_password(charger, RIGHT)

    assert handshakes(("cp-locked", basic("cp-locked", RIGHT))) == [(101, "", {})]


def test_a_charge_point_id_with_a_colon_presents_its_password(db):
    charger = AssetFactory(ocpp_charge_point_id="site:7:cp")
    give_password(charger, RIGHT)
    assert handshakes(("site:7:cp", basic("site:7:cp", RIGHT))) == [(101, "", {})]


def test_the_stored_value_is_an_hmac_under_the_pepper_not_pbkdf2(charger, settings):
    give_password(charger, RIGHT)
    stored = ChargerState.objects.get(asset=charger).password_hash

    assert RIGHT not in stored
    assert not stored.startswith("pbkdf2")
    match = re.fullmatch(rf"{re.escape(SCHEME)}\$([0-9a-f]{{8}})\$([0-9a-f]{{32}})\$([0-9a-f]{{64}})", stored)
    assert match, stored
    pepper = settings.OCPP_PASSWORD_PEPPER.encode()
    salt = bytes.fromhex(match[2])
    assert match[3] == hmac.new(pepper, salt + RIGHT.encode(), hashlib.sha256).hexdigest()


def test_the_same_password_for_two_chargers_is_stored_differently(charger):
    other = AssetFactory(ocpp_charge_point_id="cp-twin")
    charger_passwords_set(passwords={"cp-locked": RIGHT, "cp-twin": RIGHT})
    assert ChargerState.objects.get(asset=charger).password_hash != ChargerState.objects.get(asset=other).password_hash


def test_a_password_kept_in_the_old_pbkdf2_form_is_refused_with_words_for_the_operator(charger, limits):
    ChargerState.objects.create(asset=charger, password_hash=make_password(RIGHT))
    right = ("cp-locked", basic("cp-locked", RIGHT))

    answers = handshakes(right, right, right, right)

    assert [status for status, _, _ in answers] == [401] * 4  # not counted as failures: never 429
    assert "stored in an old form (Django's slow PBKDF2) that the gateway no longer checks" in answers[0][1]
    assert "manage.py charger_password cp-locked --generate" in answers[0][1]


def test_a_changed_pepper_is_reported_as_such_not_as_a_wrong_password(charger, settings):
    give_password(charger, RIGHT)
    settings.OCPP_PASSWORD_PEPPER = "another-pepper-" + "x" * 40
    [(status, body, _)] = handshakes(("cp-locked", basic("cp-locked", RIGHT)))
    assert status == 401
    assert "was stored under another OCPP_PASSWORD_PEPPER" in body


def test_refusals_are_logged_with_their_reason_and_without_the_password(charger, limits, caplog):
    give_password(charger, RIGHT)
    wrong = ("cp-locked", basic("cp-locked", WRONG))
    with caplog.at_level(logging.INFO, logger="chargers.ocpp.gateway"):
        handshakes(wrong, wrong, wrong, ("cp-locked", basic("cp-locked", RIGHT)))

    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Refused a connection")]
    assert len(refusals) == 4
    assert "Too many failed attempts by charge point 'cp-locked'" in refusals[-1]
    assert not [line for line in caplog.text.splitlines() if WRONG in line or RIGHT in line]
