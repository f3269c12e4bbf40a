"""Sign-up by invitation only: an operator's signed link for one address and household."""

import datetime as dt
import logging

import pytest
import time_machine

from accounts.invitations import invitation_token
from accounts.models import User
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "kettle lamp orchard 42"


@pytest.fixture
def household():
    return HouseholdFactory(name="The Drivers")


def link(email, household):
    return f"/accounts/invitation/{invitation_token(email=email, household=household)}/"


def test_invited_person_sets_a_password_joins_the_household_and_is_signed_in(client, household):
    url = link("New.Person@Example.com", household)
    page = client.get(url)
    assert "You're joining as <strong>new.person@example.com</strong>" in page.content.decode().replace("&#x27;", "'")
    response = client.post(
        url, {"full_name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    user = User.objects.get(email="new.person@example.com")
    assert user.household == household
    assert response.context["user"] == user


def test_the_link_works_once(client, household):
    url = link("new@example.com", household)
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    again = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert again.redirect_chain[-1][0] == "/accounts/sign-in/"
    assert "already been used" in again.content.decode()
    assert User.objects.filter(email="new@example.com").count() == 1


def test_weak_or_mismatched_passwords_are_refused_in_words(client, household):
    url = link("new@example.com", household)
    weak = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert "too common" in weak.content.decode()
    mismatch = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "The two passwords are different" in mismatch.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_edited_link_is_refused(client, household):
    token = invitation_token(email="new@example.com", household=household)
    response = client.get(f"/accounts/invitation/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_old_link_has_expired(client, household):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        url = link("new@example.com", household)
    with time_machine.travel(dt.datetime(2026, 1, 20, tzinfo=dt.UTC)):
        response = client.get(url)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_only_operators_make_invitations(client, household, caplog):
    homeowner = UserFactory()
    client.force_login(homeowner)
    assert client.get("/accounts/invitations/new/").status_code == 302  # to the admin sign-in
    client.force_login(UserFactory(is_staff=True))
    caplog.set_level(logging.DEBUG)
    response = client.post("/accounts/invitations/new/", {"email": "new@example.com", "household": household.pk})
    made = response.context["link"]
    assert made.startswith("http://testserver/accounts/invitation/")
    client.logout()
    assert client.get(made.removeprefix("http://testserver")).status_code == 200
