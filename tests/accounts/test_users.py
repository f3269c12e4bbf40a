import pytest
from django.core.exceptions import ValidationError

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_case_insensitive(client):
    user = User.objects.create_user("Ann.Driver@Example.COM", "a long enough passphrase")
    assert user.email == "ann.driver@example.com"
    assert client.login(email="ann.driver@example.com", password="a long enough passphrase")


def test_same_email_in_other_case_is_refused_with_a_message():
    User.objects.create_user("ann@example.com", "pw-one-two-three")
    with pytest.raises(ValidationError) as caught:
        User.objects.create_user("ANN@example.com", "pw-one-two-three")
    assert "already exists" in str(caught.value)
    assert User.objects.count() == 1


def test_superuser_can_reach_admin(client):
    User.objects.create_superuser("ops@example.com", "admin-passphrase-123")
    client.login(email="ops@example.com", password="admin-passphrase-123")
    assert client.get("/admin/").status_code == 200
