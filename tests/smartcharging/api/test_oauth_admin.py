"""OAuth2 applications and tokens in admin are for superusers only; the old Axle client stays Axle's."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from oauth2_provider.models import Application

from smartcharging.models import AxleClient
from smartcharging.services.axle_client_app import axle_client_issue
from tests.factories import UserFactory

TOOLKIT_PAGES = ["application", "accesstoken"]
NOT_SHOWN = ["grant", "idtoken", "refreshtoken"]


@pytest.fixture
def staff_with_every_oauth_permission(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="oauth2_provider"))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("model", TOOLKIT_PAGES)
def test_staff_with_every_toolkit_permission_is_still_refused(client, staff_with_every_oauth_permission, model):
    client.force_login(staff_with_every_oauth_permission)
    assert client.get(f"/admin/oauth2_provider/{model}/").status_code == 403
    assert client.get(f"/admin/oauth2_provider/{model}/add/").status_code == 403
    assert "oauth2_provider" not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_superusers_manage_applications_and_see_which_is_axles(client):
    axle_client_issue()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/oauth2_provider/application/")
    assert listing.status_code == 200
    assert "Axle&#x27;s client" in listing.content.decode()
    assert client.get("/admin/oauth2_provider/accesstoken/").status_code == 200
    for model in NOT_SHOWN:
        assert client.get(f"/admin/oauth2_provider/{model}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_the_client_the_command_made_and_nothing_else():
    executor = MigrationExecutor(connection)
    executor.migrate([("smartcharging", "0011_schedule_drop_redundant_indexes")])
    made_by_command = Application.objects.create(
        name="Axle Energy",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    Application.objects.create(  # the same name, another grant
        name="Axle Energy",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://example.com/cb",
    )
    Application.objects.create(  # another name
        name="Something else",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    executor = MigrationExecutor(connection)  # a fresh graph, as `migrate` would build
    executor.migrate([("smartcharging", "0012_axle_client")])
    marked = set(AxleClient.objects.values_list("application_id", flat=True))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the rest of the suite needs the latest schema
    assert marked == {made_by_command.pk}
