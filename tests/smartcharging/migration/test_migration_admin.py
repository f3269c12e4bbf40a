"""The migration as an admin drives it: the sites list, the confirmation and progress page, permissions."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from chargers.models import Site
from smartcharging.models import (
    AuditAction,
    AuditEntry,
    AxleEvent,
    ItemState,
    MigrationDirection,
    MigrationRun,
    RunState,
)
from smartcharging.services import delivery
from smartcharging.services.migration import migration_prepare
from smartcharging.services.migration_batches import migration_batch
from tests.smartcharging.migration.builders import ready_site, smart_charging_site

pytestmark = pytest.mark.django_db
SITES = "/admin/chargers/site/"


def staff(email, *permissions):
    user = User.objects.create_user(email, "admin-passphrase-123", is_staff=True)
    codenames = ["view_site", "view_migrationrun", "view_auditentry", *permissions]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def migrator(client):
    client.force_login(staff("migrator@operator.example", "migrate_sites", "change_site"))
    return client


@pytest.fixture
def onlooker(client):
    client.force_login(staff("onlooker@operator.example"))
    return client


def select(client, action, sites):
    return client.post(SITES, {"action": action, "_selected_action": [s.pk for s in sites]})


def run_page(client, run, **query):
    return client.get(f"/admin/smartcharging/migrationrun/{run.pk}/change/", query)


def test_the_sites_list_shows_each_check_and_filters_on_them(migrator):
    ready = ready_site()
    no_tariff = ready_site()
    no_tariff.tariff.delete()
    listing = migrator.get(SITES)
    assert listing.status_code == 200
    html = listing.content.decode()
    for header in ("Consent", "MPAN", "Charger", "Tariff", "Intent", "Online", "Eligible", "Missing: a valid MPAN"):
        assert header in html
    assert list(migrator.get(SITES, {"readiness": "ready"}).context["cl"].result_list) == [ready]
    assert list(migrator.get(SITES, {"readiness": "missing_tariff"}).context["cl"].result_list) == [no_tariff]
    assert list(migrator.get(SITES, {"product": "smart"}).context["cl"].result_list) == []
    assert len(migrator.get(SITES, {"product": "flex"}).context["cl"].result_list) == 2


def test_the_sites_list_costs_the_same_queries_for_3_sites_as_for_30(migrator):
    def queries_with(count):
        for _ in range(count):
            ready_site()
        with CaptureQueriesContext(connection) as captured:
            assert migrator.get(SITES, {"readiness": "ready"}).status_code == 200
        return len(captured)

    assert queries_with(3) == queries_with(27)


def test_migrating_from_the_list_confirms_then_runs_and_shows_progress(migrator, axle_accepts):
    ready, moved = ready_site(), smart_charging_site()
    response = select(migrator, "migrate_to_smart_charging", [ready, moved])
    run = MigrationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/smartcharging/migrationrun/{run.pk}/change/"

    confirmation = run_page(migrator, run).content.decode()
    assert "What will happen" in confirmation
    assert "Start: migrate 1 site(s)" in confirmation
    assert "Already on Smart Charging: nothing to do." in confirmation
    assert not AxleEvent.objects.exists()

    started = migrator.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/start/", follow=True)
    assert "started; this page follows its progress" in started.content.decode()
    assert '<meta http-equiv="refresh" content="5">' in started.content.decode()
    migration_batch(run_id=run.pk)
    progress = run_page(migrator, run).content.decode()
    assert "sent, waiting for Axle" in progress
    assert "Enrol in a proposition: waiting to be delivered" in progress
    delivery.site_events_deliver(site_id=ready.pk)
    migration_batch(run_id=run.pk)
    done = run_page(migrator, run, state="done").content.decode()
    assert "Enrol in a proposition: delivered" in done
    assert "100% settled" in done
    run.refresh_from_db()
    assert run.state == RunState.FINISHED

    site_page = migrator.get(f"{SITES}{ready.pk}/change/").content.decode()
    assert "Product: Smart Charging." in site_page
    assert "Site migrated" in site_page
    assert "migrator@operator.example" in "".join(AuditEntry.objects.values_list("actor_label", flat=True))


def test_a_dry_run_is_chosen_at_confirmation_and_can_then_be_prepared_for_real(migrator):
    site = ready_site()
    select(migrator, "migrate_to_smart_charging", [site])
    run = MigrationRun.objects.get()
    migrator.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/start/", {"dry_run": "on"})
    migration_batch(run_id=run.pk)
    page = run_page(migrator, run).content.decode()
    assert "dry run: nothing is sent to Axle" in page
    assert "would enrol (Smart Charging (full schedule control))" in page
    assert not AxleEvent.objects.exists()
    again = migrator.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/again/", follow=True)
    real = MigrationRun.objects.exclude(pk=run.pk).get()
    assert again.redirect_chain[-1][0] == f"/admin/smartcharging/migrationrun/{real.pk}/change/"
    assert (real.state, real.items.get().state) == (RunState.DRAFT, ItemState.PLANNED)


def test_a_second_overlapping_start_is_refused_in_words(migrator):
    site = ready_site()
    select(migrator, "migrate_to_smart_charging", [site])
    select(migrator, "migrate_to_smart_charging", [site])
    first, second = MigrationRun.objects.order_by("pk")
    migrator.post(f"/admin/smartcharging/migrationrun/{first.pk}/do/start/")
    refused = migrator.post(f"/admin/smartcharging/migrationrun/{second.pk}/do/start/", follow=True)
    assert f"already in migration #{first.pk}, which is still running" in refused.content.decode()
    second.refresh_from_db()
    assert second.state == RunState.DRAFT


def test_rolling_back_from_the_list(migrator):
    site = smart_charging_site()
    select(migrator, "roll_back_to_flex_lite", [site])
    run = MigrationRun.objects.get()
    page = run_page(migrator, run).content.decode()
    assert "unenrol it from Smart Charging and enrol it in" in page
    migrator.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/start/")
    migration_batch(run_id=run.pk)
    assert [e.kind for e in AxleEvent.objects.order_by("pk")] == ["unenrol", "enrol"]


def test_staff_without_the_permission_can_look_but_not_migrate(onlooker):
    site = ready_site()
    listing = onlooker.get(SITES)
    assert "migrate_to_smart_charging" not in listing.content.decode()
    refused = select(onlooker, "migrate_to_smart_charging", [site])
    assert not MigrationRun.objects.exists()
    assert refused.status_code in (200, 302)  # Django answers an action not offered with the list again
    run = migration_prepare(sites=Site.objects.all(), direction=MigrationDirection.TO_SMART_CHARGING, actor=None)
    page = run_page(onlooker, run)
    assert page.status_code == 200
    assert "only staff with the “migrate sites” permission" in page.content.decode()
    assert onlooker.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/start/").status_code == 403
    run.refresh_from_db()
    assert run.state == RunState.DRAFT


def test_an_unknown_button_is_a_404_and_a_get_is_refused(migrator):
    site = ready_site()
    select(migrator, "migrate_to_smart_charging", [site])
    run = MigrationRun.objects.get()
    assert migrator.post(f"/admin/smartcharging/migrationrun/{run.pk}/do/explode/").status_code == 404
    assert migrator.get(f"/admin/smartcharging/migrationrun/{run.pk}/do/start/").status_code == 405
    assert migrator.post("/admin/smartcharging/migrationrun/999999/do/start/").status_code == 404


def test_asking_axle_about_eligibility_is_recorded(migrator):
    site = ready_site()
    response = select(migrator, "check_eligibility", [site])
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.ELIGIBILITY_CHECKED)
    assert (entry.actor_label, entry.outcome) == ("migrator@operator.example", "Asked Axle about 1 site(s).")
