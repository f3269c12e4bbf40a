"""Failed sign-ins (ours and Django admin's) and password-reset requests are limited per account and per address."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.hashers import CountingMD5PasswordHasher
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
ACCOUNT_LOCKED = "Too many failed sign-ins for this account. Try again in 15 minutes, or reset your password."
ADDRESS_LOCKED = "Too many failed sign-ins from your connection. Try again in 15 minutes."
SIGN_IN, ADMIN_SIGN_IN = "/accounts/sign-in/", "/admin/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 5
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 20
    settings.SIGN_IN_COOL_OFF_S = 900
    settings.PASSWORD_RESETS_PER_ACCOUNT = 5
    settings.PASSWORD_RESETS_PER_ADDRESS = 20
    settings.PASSWORD_RESET_WINDOW_S = 3600
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


def from_address(address, **headers):
    return Client(REMOTE_ADDR=address, **headers)


def text(response):
    return response.content.decode().replace("&#x27;", "'")


def sign_in(client, email, password, url=SIGN_IN):
    return client.post(url, {"username": email, "password": password})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("url", [SIGN_IN, ADMIN_SIGN_IN])
def test_fifty_wrong_passwords_then_the_right_one_is_refused_until_the_cool_off_has_passed(url):
    ann = UserFactory(email="ann@example.com", is_staff=True)
    client = from_address("203.0.113.7")
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        answers = [sign_in(client, "ann@example.com", f"guess {n}", url) for n in range(50)]
        assert [answer.status_code for answer in answers[:4]] == [200] * 4
        assert all(ACCOUNT_LOCKED not in text(answer) for answer in answers[:4])
        assert all(answer.status_code == 429 and ACCOUNT_LOCKED in text(answer) for answer in answers[4:])

        right = sign_in(client, "ann@example.com", PASSWORD, url)
        assert right.status_code == 429
        assert ACCOUNT_LOCKED in text(right)
        assert not signed_in_as(client)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 14, 50, tzinfo=dt.UTC), tick=False):
        assert sign_in(client, "ann@example.com", PASSWORD, url).status_code == 429  # not yet
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 15, 1, tzinfo=dt.UTC), tick=False):
        response = sign_in(client, "ann@example.com", PASSWORD, url)
        assert response.status_code == 302
        assert signed_in_as(client) == str(ann.pk)


def test_both_sign_ins_share_one_count_per_account():
    UserFactory(email="ann@example.com", is_staff=True)
    client = from_address("203.0.113.7")
    for _ in range(3):
        sign_in(client, "ann@example.com", "guess", SIGN_IN)
    for _ in range(2):
        sign_in(client, "Ann@Example.com", "guess", ADMIN_SIGN_IN)
    assert sign_in(client, "ann@example.com", PASSWORD, SIGN_IN).status_code == 429
    assert sign_in(client, "ann@example.com", PASSWORD, ADMIN_SIGN_IN).status_code == 429


def test_another_account_from_another_address_is_not_held_up():
    UserFactory(email="ann@example.com")
    UserFactory(email="bob@example.com")
    for _ in range(5):
        sign_in(from_address("203.0.113.7"), "ann@example.com", "guess")
    bob = from_address("198.51.100.2")
    assert sign_in(bob, "bob@example.com", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_held_up_and_others_are_not():
    UserFactory(email="bob@example.com")
    sprayer = from_address("203.0.113.7")
    answers = [sign_in(sprayer, f"person{n}@example.com", "Summer2026!") for n in range(20)]
    assert [answer.status_code for answer in answers] == [200] * 19 + [429]
    refused = sign_in(sprayer, "bob@example.com", PASSWORD)
    assert refused.status_code == 429
    assert ADDRESS_LOCKED in text(refused)
    assert sign_in(from_address("198.51.100.2"), "bob@example.com", PASSWORD).status_code == 302


def test_an_unknown_address_is_held_up_in_the_same_words_as_a_known_one():
    UserFactory(email="ann@example.com")
    known, unknown = from_address("203.0.113.7"), from_address("203.0.113.8")
    for _ in range(5):
        last_known = sign_in(known, "ann@example.com", "guess")
        last_unknown = sign_in(unknown, "nobody@example.com", "guess")
    assert last_known.status_code == last_unknown.status_code == 429
    assert ACCOUNT_LOCKED in text(last_known)
    assert ACCOUNT_LOCKED in text(last_unknown)


def test_signing_in_forgets_the_accounts_failures():
    UserFactory(email="ann@example.com")
    client = from_address("203.0.113.7")
    for _ in range(4):
        sign_in(client, "ann@example.com", "typo")
    assert sign_in(client, "ann@example.com", PASSWORD).status_code == 302
    client.logout()
    answers = [sign_in(client, "ann@example.com", "typo") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200] * 4  # counting starts again
    assert sign_in(client, "ann@example.com", PASSWORD).status_code == 302


def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_saw(settings):
    """A client cannot choose the address it is counted as by writing its own X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    UserFactory(email="bob@example.com")
    for n in range(3):  # one client, a different made-up address each time, through our load balancer
        client = from_address("10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
        sign_in(client, f"person{n}@example.com", "guess")
    same_client = from_address("10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7")
    assert sign_in(same_client, "bob@example.com", PASSWORD).status_code == 429
    another_client = from_address("10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")  # behind the same balancer
    assert sign_in(another_client, "bob@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize("url", [SIGN_IN, ADMIN_SIGN_IN])
def test_an_unknown_address_costs_a_password_hash_like_a_known_one(settings, url):
    """Django's ModelBackend hashes the typed password for an unknown address too, and a held-up
    attempt hashes nothing whether or not the address has an account: timing says nothing of who has one."""
    settings.PASSWORD_HASHERS = ["tests.accounts.hashers.CountingMD5PasswordHasher"]
    UserFactory(email="ann@example.com", is_staff=True)

    def hashes_for(client, email):
        CountingMD5PasswordHasher.hashed = 0
        response = sign_in(client, email, "guess", url)
        return response.status_code, CountingMD5PasswordHasher.hashed

    known, unknown = from_address("203.0.113.7"), from_address("203.0.113.8")
    assert hashes_for(known, "ann@example.com") == (200, 1)
    assert hashes_for(unknown, "nobody@example.com") == (200, 1)
    for _ in range(3):
        hashes_for(known, "ann@example.com")
        hashes_for(unknown, "nobody@example.com")
    assert hashes_for(known, "ann@example.com") == (429, 1)  # the fifth failure, checked, then held up
    assert hashes_for(unknown, "nobody@example.com") == (429, 1)
    assert hashes_for(known, "ann@example.com") == (429, 0)  # held up: nothing is checked
    assert hashes_for(unknown, "nobody@example.com") == (429, 0)


def test_password_reset_sends_at_most_five_links_an_hour_per_address_and_answers_the_same():
    UserFactory(email="ann@example.com")
    client = from_address("203.0.113.7")
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        answers = [client.post("/accounts/password-reset/", {"email": "Ann@example.com"}) for _ in range(8)]
        assert {(answer.status_code, answer["Location"]) for answer in answers} == {
            (302, "/accounts/password-reset/sent/")
        }
        assert len(mail.outbox) == 5
        unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
        assert (unknown.status_code, unknown["Location"]) == (302, "/accounts/password-reset/sent/")
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, 1, tzinfo=dt.UTC), tick=False):
        client.post("/accounts/password-reset/", {"email": "ann@example.com"})
    assert len(mail.outbox) == 6  # the window has passed


def test_password_reset_requests_from_one_address_are_limited_across_accounts():
    for n in range(21):
        UserFactory(email=f"person{n}@example.com")
    client = from_address("203.0.113.7")
    for n in range(21):
        assert client.post("/accounts/password-reset/", {"email": f"person{n}@example.com"}).status_code == 302
    assert len(mail.outbox) == 20
    from_address("198.51.100.2").post("/accounts/password-reset/", {"email": "person20@example.com"})
    assert len(mail.outbox) == 21


def test_wrong_reset_links_from_one_address_are_held_up_and_then_even_a_good_one(settings):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    UserFactory(email="ann@example.com")
    guesser = from_address("203.0.113.7")
    Client().post("/accounts/password-reset/", {"email": "ann@example.com"})
    good = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    wrong = good.rsplit("-", 1)[0] + "-0000000000000000000000000000000/"
    answers = [guesser.get(wrong) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "already been used or has expired" in text(answers[0])
    held_up = guesser.get(good, follow=True)
    assert held_up.status_code == 429
    assert "Too many wrong or old reset links have been tried from your connection" in text(held_up)
    owner = from_address("198.51.100.2")
    form_page = owner.get(good, follow=True)
    assert "Save my new password" in text(form_page)
    owner.post(
        form_page.redirect_chain[-1][0], {"new_password1": "a new passphrase 9", "new_password2": "a new passphrase 9"}
    )
    assert User.objects.get(email="ann@example.com").check_password("a new passphrase 9")


def test_a_held_up_person_gets_in_by_resetting_their_password():
    """What the refusal suggests works: the e-mailed link signs them in without the sign-in form."""
    ann = UserFactory(email="ann@example.com")
    client = from_address("203.0.113.7")
    for _ in range(5):
        sign_in(client, "ann@example.com", "forgotten")
    client.post("/accounts/password-reset/", {"email": "ann@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "remembered 42 now", "new_password2": "remembered 42 now"}
    )
    assert signed_in_as(client) == str(ann.pk)
