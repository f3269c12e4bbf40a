"""Sign-up by invitation only: links made by operators allowed to invite, into households they manage."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import signing

from accounts.models import Invitation, User
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "kettle lamp orchard 42"
INVITE = "/accounts/invitations/new/"


@pytest.fixture
def household():
    return HouseholdFactory(name="The Drivers")


def operator_for(*households, may_invite=True):
    """Staff, with the invite permission unless told otherwise, managing `households`."""
    operator = UserFactory(is_staff=True, household=None)
    if may_invite:
        operator.user_permissions.add(Permission.objects.get(codename="invite_to_household"))
    for household in households:
        household.managers.add(operator)
    return operator


def make_link(client, operator, email, household):
    """The invitation link, made as the operator makes it: on the invitation page."""
    client.force_login(operator)
    response = client.post(INVITE, {"email": email, "household": household.pk})
    assert response.status_code == 200, response.content
    made = response.context["link"]
    assert made, response.context["form"].errors
    client.logout()
    return made.removeprefix("http://testserver")


def test_invited_person_sets_a_password_joins_the_household_and_is_signed_in(client, household):
    url = make_link(client, operator_for(household), "New.Person@Example.com", household)
    page = client.get(url)
    assert "You're joining as <strong>new.person@example.com</strong>" in page.content.decode().replace("&#x27;", "'")
    response = client.post(
        url, {"full_name": "New Person", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    user = User.objects.get(email="new.person@example.com")
    assert user.household == household
    assert response.context["user"] == user


def test_the_link_works_once_and_the_second_use_says_it_was_used(client, household):
    url = make_link(client, operator_for(household), "new@example.com", household)
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    again = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert again.redirect_chain[-1][0] == "/accounts/sign-in/"
    assert "already been used" in again.content.decode()
    assert User.objects.filter(email="new@example.com").count() == 1
    invitation = Invitation.objects.get()
    assert invitation.used_by == User.objects.get(email="new@example.com")
    assert invitation.used_at is not None


def test_weak_or_mismatched_passwords_are_refused_in_words(client, household):
    url = make_link(client, operator_for(household), "new@example.com", household)
    weak = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert "too common" in weak.content.decode()
    mismatch = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "The two passwords are different" in mismatch.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    assert Invitation.objects.get().used_at is None  # a refused form does not spend the link


def test_an_edited_link_is_refused(client, household):
    url = make_link(client, operator_for(household), "new@example.com", household)
    response = client.get(url[:-3] + "xx/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_link_from_before_invitations_were_recorded_asks_for_a_new_one(client, household):
    """Links made as signed tokens (before this change) are refused with words that say what to do."""
    old_token = signing.dumps({"email": "new@example.com", "household": household.pk}, salt="accounts.invitation")
    response = client.get(f"/accounts/invitation/{old_token}/")
    assert response.status_code == 400
    assert "ask us for a new link" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_old_link_has_expired(client, household, settings):
    settings.INVITATION_VALID_DAYS = 14
    operator = operator_for(household)
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        url = make_link(client, operator, "new@example.com", household)
    with time_machine.travel(dt.datetime(2026, 1, 14, 23, tzinfo=dt.UTC)):
        assert client.get(url).status_code == 200
    with time_machine.travel(dt.datetime(2026, 1, 15, 1, tzinfo=dt.UTC)):
        response = client.get(url)
        refused = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == refused.status_code == 400
    assert "This invitation has expired. Ask us for a new link." in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_homeowners_are_sent_to_the_admin_sign_in(client):
    client.force_login(UserFactory())
    response = client.get(INVITE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_are_refused_in_words_and_make_nothing(client, household):
    client.force_login(operator_for(household, may_invite=False))
    page = client.get(INVITE)
    assert page.status_code == 403
    assert "Ask an administrator" in page.content.decode()
    posted = client.post(INVITE, {"email": "new@example.com", "household": household.pk})
    assert posted.status_code == 403
    assert not Invitation.objects.exists()


def test_an_operator_invites_only_into_the_households_they_manage(client, household):
    theirs, other = household, HouseholdFactory(name="Someone Else's")
    client.force_login(operator_for(theirs))
    page = client.get(INVITE)
    assert list(page.context["form"].fields["household"].queryset) == [theirs]
    assert "Someone Else" not in page.content.decode()
    refused = client.post(INVITE, {"email": "new@example.com", "household": other.pk})
    assert refused.status_code == 200
    assert refused.context["link"] is None
    assert refused.context["form"].errors["household"] == [
        "You can't invite people into this household: you don't manage it."
    ]
    assert not Invitation.objects.exists()


def test_a_superuser_invites_into_any_household(client, household):
    boss = User.objects.create_superuser("boss@example.com", "boss passphrase 1")
    assert make_link(client, boss, "new@example.com", household).startswith("/accounts/invitation/")


def test_an_address_that_has_an_account_is_not_invited(client, household):
    UserFactory(email="ann@example.com")
    client.force_login(operator_for(household))
    response = client.post(INVITE, {"email": "Ann@Example.com", "household": household.pk})
    assert response.context["link"] is None
    assert "There's already an account for this address" in response.content.decode().replace("&#x27;", "'")
    assert not Invitation.objects.exists()


def test_each_invitation_is_recorded_with_its_maker_and_shown_in_admin(client, household, settings):
    settings.INVITATION_VALID_DAYS = 14
    operator = operator_for(household)
    url = make_link(client, operator, "new@example.com", household)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.household, invitation.created_by) == ("new@example.com", household, operator)
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    token = url.removeprefix("/accounts/invitation/").removesuffix("/")
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()  # the token itself is not kept
    assert token not in str(Invitation.objects.values().get())

    client.force_login(User.objects.create_superuser("boss@example.com", "boss passphrase 1"))
    listing = client.get("/admin/accounts/invitation/")
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [invitation]
    assert operator.email in listing.content.decode()
    assert client.get("/admin/accounts/invitation/add/").status_code == 403  # made on the invitation page only
    change = client.get(f"/admin/accounts/invitation/{invitation.pk}/change/")
    assert change.status_code == 200
    assert invitation.token_hash not in change.content.decode()
    assert client.post(f"/admin/accounts/invitation/{invitation.pk}/delete/").status_code == 403  # the audit stays


def test_an_operator_withdraws_an_unused_link_of_their_household_and_it_stops_working(client, household):
    operator = operator_for(household)
    url = make_link(client, operator, "new@example.com", household)
    invitation = Invitation.objects.get()

    client.force_login(operator_for(HouseholdFactory()))  # may invite, but not into this household
    client.post("/admin/accounts/invitation/", {"action": "withdraw", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.revoked_at is None

    client.force_login(operator)
    listing = client.get("/admin/accounts/invitation/")
    assert 'href="/accounts/invitations/new/"' in listing.content.decode()
    response = client.post(
        "/admin/accounts/invitation/", {"action": "withdraw", "_selected_action": [invitation.pk]}, follow=True
    )
    assert "Withdrew 1 invitation(s)" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_by == operator
    client.logout()
    refused = client.get(url)
    assert refused.status_code == 400
    assert "This invitation has been withdrawn. Ask us for a new link." in refused.content.decode()


def test_a_used_link_cannot_be_withdrawn(client, household):
    operator = operator_for(household)
    url = make_link(client, operator, "new@example.com", household)
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.force_login(operator)
    invitation = Invitation.objects.get()
    response = client.post(
        "/admin/accounts/invitation/", {"action": "withdraw", "_selected_action": [invitation.pk]}, follow=True
    )
    assert "1 could not be withdrawn: already used" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_only_superusers_choose_who_manages_a_household(client, household):
    """An operator who may change households still cannot make themselves a manager of one."""
    operator = operator_for()
    operator.user_permissions.add(*Permission.objects.filter(codename__in=["change_household", "view_household"]))
    client.force_login(operator)
    client.post(f"/admin/accounts/household/{household.pk}/change/", {"name": "Renamed", "managers": [operator.pk]})
    household.refresh_from_db()
    assert household.name == "Renamed"
    assert list(household.managers.all()) == []
