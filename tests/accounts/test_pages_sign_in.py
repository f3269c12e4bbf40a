"""Signing in and out, and resetting a password, through our own pages."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def ann():
    return UserFactory(email="ann@example.com")


def test_pages_need_a_signed_in_user(client):
    response = client.get("/history/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/history/"


def test_front_page_invites_signed_out_visitors_to_sign_in(client):
    page = client.get("/")
    assert b'href="/accounts/sign-in/"' in page.content


def test_sign_in_with_the_email_as_a_phone_types_it(client, ann):
    page = client.get("/accounts/sign-in/")
    assert page.status_code == 200
    assert b'autocomplete="email"' in page.content
    response = client.post("/accounts/sign-in/", {"username": " Ann@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == ann


def test_wrong_password_is_said_plainly(client, ann):
    response = client.post("/accounts/sign-in/", {"username": "ann@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "That email and password don&#x27;t match an account" in response.content.decode()


def test_sign_in_returns_to_the_page_asked_for(client, ann):
    response = client.post(
        "/accounts/sign-in/?next=/history/", {"username": "ann@example.com", "password": PASSWORD, "next": "/history/"}
    )
    assert response["Location"] == "/history/"


def test_sign_out_is_a_post_and_says_so(client, ann):
    client.force_login(ann)
    assert client.get("/accounts/sign-out/").status_code == 405  # a link on another site cannot sign you out
    response = client.post("/accounts/sign-out/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/sign-in/"
    assert "You&#x27;re signed out." in response.content.decode()
    assert client.get("/history/").status_code == 302


def test_password_reset_by_email_then_signed_in_with_the_new_password(client, ann):
    response = client.post("/accounts/password-reset/", {"email": "ANN@example.com"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]

    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Your new password is set" in response.content.decode()
    client.logout()
    assert client.login(email="ann@example.com", password="a brand new passphrase")


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert "If there's an account for that address" in response.content.decode()
    assert mail.outbox == []
