"""A migration from preparation to its last answer, against a fake Axle at the HTTP boundary."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chargers.models import Site
from smartcharging.models import (
    AuditAction,
    AuditEntry,
    AxleEvent,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    ItemState,
    MigrationDirection,
    Proposition,
    RunState,
)
from smartcharging.selectors import site_product
from smartcharging.services import delivery
from smartcharging.services.migration import (
    MigrationRefused,
    migration_cancel,
    migration_prepare,
    migration_retry_failed,
    migration_start,
)
from smartcharging.services.migration_batches import migration_batch, migrations_sweep
from smartcharging.services.plugs import charger_plugged_in
from tests.factories import UserFactory
from tests.smartcharging.migration.builders import ready_site, smart_charging_site
from tests.smartcharging.migration.conftest import ASSET_EVENT, SITE_CALL

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2027, 1, 12, 21, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_user():
    return UserFactory(email="ops@operator.example", is_staff=True)


def prepare(admin_user, *sites, direction=MigrationDirection.TO_SMART_CHARGING):
    return migration_prepare(
        sites=Site.objects.filter(pk__in=[s.pk for s in sites]), direction=direction, actor=admin_user
    )


def deliver_all(sites):
    for site in sites:
        delivery.site_events_deliver(site_id=site.pk)


def axle_paths(axle):
    return [
        call.request.url.split("/entities/")[1].split("/", 2)[-1]
        for call in axle.calls
        if "/entities/" in call.request.url
    ]


def test_preparing_plans_ready_sites_and_says_why_others_are_skipped(admin_user):
    ready = ready_site()
    no_tariff = ready_site()
    no_tariff.tariff.delete()
    moved = smart_charging_site()
    run = prepare(admin_user, ready, no_tariff, moved)
    items = {item.site_id: item for item in run.items.all()}
    assert items[ready.pk].state == ItemState.PLANNED
    assert (items[no_tariff.pk].state, items[no_tariff.pk].reason) == (
        ItemState.SKIPPED,
        "Not ready: no tariff on file.",
    )
    assert items[moved.pk].reason == "Already on Smart Charging: nothing to do."
    assert run.state == RunState.DRAFT
    assert not AxleEvent.objects.exists()  # preparing sends nothing
    assert site_product(ready.pk) == Proposition.FLEX_LITE
    entry = AuditEntry.objects.get(action=AuditAction.MIGRATION_PREPARED)
    assert (entry.actor_label, entry.outcome) == ("ops@operator.example", f"{run}: 1 site(s) planned, 2 skipped.")


def test_a_migration_sends_tariff_enrolment_and_plug_state_then_the_site_is_on_smart_charging(admin_user, axle_accepts):
    plugged = ready_site()
    unplugged = ready_site()
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=plugged.assets.get(), at=T0)  # a Flex Lite session, under way
        AxleEvent.objects.all().delete()  # its plug-in schedule is not what this test is about
        run = prepare(admin_user, plugged, unplugged)
        migration_start(run_id=run.pk, actor=admin_user)
        outcome = migration_batch(run_id=run.pk)
    assert (outcome.sent, outcome.skipped) == (2, 0)
    steps = [(e.site_id, e.kind) for e in AxleEvent.objects.order_by("pk")]
    assert steps == [
        (plugged.pk, EventKind.TARIFF),
        (plugged.pk, EventKind.ENROL),
        (plugged.pk, EventKind.PLUG_IN),
        (unplugged.pk, EventKind.TARIFF),
        (unplugged.pk, EventKind.ENROL),
    ]
    # Smart Charging from this moment: Axle may push before it answers the enrolment.
    assert site_product(plugged.pk) == Proposition.SMART_CHARGING
    item = run.items.get(site=plugged)
    assert item.state == ItemState.SENDING
    assert [step["step"] for step in item.steps] == [
        f"send the tariff for {plugged.assets.get().ocpp_charge_point_id}",
        "enrol (Smart Charging (full schedule control))",
        f"send the plug-in (car plugged in now) for {plugged.assets.get().ocpp_charge_point_id}",
    ]
    plug_in = AxleEvent.objects.get(kind=EventKind.PLUG_IN)
    assert plug_in.payload["intent"]["energy_required_kwh"] == 30.0
    assert plug_in.payload["tariff"]["off_peak_times"] == "00:00-05:30, 23:30-24:00"

    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        deliver_all([plugged, unplugged])
        outcome = migration_batch(run_id=run.pk)
    assert axle_paths(axle_accepts) == [
        "event/tariff-update",
        "enrol",
        "event/plug-in",
        "event/tariff-update",
        "enrol",
    ]
    assert outcome.finished == 2
    assert outcome.next_batch_in_s is None
    run.refresh_from_db()
    assert run.state == RunState.FINISHED
    assert set(run.items.values_list("state", flat=True)) == {ItemState.DONE}
    assert Enrolment.objects.get(site=plugged, proposition=Proposition.SMART_CHARGING).status == (
        EnrolmentStatus.ENROLLED
    )
    trail = list(AuditEntry.objects.filter(site=plugged).order_by("pk").values_list("action", flat=True))
    assert trail == [AuditAction.SITE_MIGRATING, AuditAction.SITE_MIGRATED]


def test_a_refusal_stops_that_site_only_shows_axles_answer_and_the_site_can_be_retried(admin_user, axle, token_call):
    refused, fine = ready_site(), ready_site()
    with time_machine.travel(T0, tick=False):
        charger_plugged_in(asset=refused.assets.get(), at=T0)
        AxleEvent.objects.all().delete()
    answer = {"detail": "User withdrew from full_asset_schedule_control; pass override_withdrawal to re-enrol."}
    refusal = axle.post(f"https://axle.test/entities/site/{refused.axle_site_id}/enrol", status=422, json=answer)
    axle.add_callback(
        "POST",
        SITE_CALL,
        callback=lambda r: (200, {}, json.dumps({"site_id": r.url.split("/")[-2], "status": "enrolled"})),
    )
    axle.post(ASSET_EVENT, json={})
    run = prepare(admin_user, refused, fine)
    migration_start(run_id=run.pk, actor=admin_user)
    migration_batch(run_id=run.pk)
    deliver_all([refused, fine])
    migration_batch(run_id=run.pk)

    items = {item.site_id: item for item in run.items.all()}
    assert items[fine.pk].state == ItemState.DONE
    assert items[refused.pk].state == ItemState.FAILED
    assert items[refused.pk].reason.startswith("Axle refused “Enrol in a proposition” (422): ")
    assert "override_withdrawal" in items[refused.pk].reason
    # Its later step (the plug-in) was withdrawn, not sent; the site is back on Flex Lite.
    assert AxleEvent.objects.get(site=refused, kind=EventKind.PLUG_IN).state == EventState.SUPERSEDED
    refused_plug_in = f"/entities/asset/{refused.assets.get().axle_asset_id}/event/plug-in"
    assert not [call for call in axle.calls if call.request.url.endswith(refused_plug_in)]
    assert site_product(refused.pk) == Proposition.FLEX_LITE
    run.refresh_from_db()
    assert run.state == RunState.FINISHED

    axle.remove(refusal)  # the homeowner asked to rejoin; Axle now enrols the site
    migration_retry_failed(run_id=run.pk, actor=admin_user)
    migration_batch(run_id=run.pk)
    deliver_all([refused])
    migration_batch(run_id=run.pk)
    assert run.items.get(site=refused).state == ItemState.DONE
    assert site_product(refused.pk) == Proposition.SMART_CHARGING
    assert len([call for call in axle.calls if call.request.url.endswith(refused_plug_in)]) == 1
    assert AuditEntry.objects.filter(action=AuditAction.MIGRATION_RETRIED, actor_label=admin_user.email).exists()


def test_running_the_same_migration_twice_changes_nothing_the_second_time(admin_user, axle_accepts):
    site = ready_site()
    first = prepare(admin_user, site)
    migration_start(run_id=first.pk, actor=admin_user)
    migration_batch(run_id=first.pk)
    deliver_all([site])
    migration_batch(run_id=first.pk)
    events_after_first = AxleEvent.objects.count()

    second = prepare(admin_user, site)
    assert second.items.get().reason == "Already on Smart Charging: nothing to do."
    with pytest.raises(MigrationRefused, match="every selected site was skipped"):
        migration_start(run_id=second.pk, actor=admin_user)
    assert AxleEvent.objects.count() == events_after_first


def test_a_second_overlapping_migration_is_refused_while_the_first_runs(admin_user):
    shared, other = ready_site(), ready_site()
    first = prepare(admin_user, shared)
    second = prepare(admin_user, shared, other)  # prepared before the first started: both plan `shared`
    migration_start(run_id=first.pk, actor=admin_user)
    with pytest.raises(MigrationRefused, match=rf"already in migration #{first.pk}, which is still running"):
        migration_start(run_id=second.pk, actor=admin_user)
    second.refresh_from_db()
    assert second.state == RunState.DRAFT
    assert set(second.items.values_list("state", flat=True)) == {ItemState.PLANNED}
    third = prepare(admin_user, shared)
    assert third.items.get().reason == f"Already in migration #{first.pk}, which is still running."


def test_a_dry_run_records_what_it_would_send_and_changes_nothing(admin_user):
    site = ready_site()
    run = prepare(admin_user, site)
    migration_start(run_id=run.pk, actor=admin_user, dry_run=True)
    migration_batch(run_id=run.pk)
    item = run.items.get()
    assert item.state == ItemState.DONE
    assert item.reason == "Dry run: nothing was sent."
    assert [step["step"] for step in item.steps] == [
        f"would send the tariff for {site.assets.get().ocpp_charge_point_id}",
        "would enrol (Smart Charging (full schedule control))",
    ]
    assert not AxleEvent.objects.exists()
    assert not Enrolment.objects.filter(proposition=Proposition.SMART_CHARGING).exists()
    assert site_product(site.pk) == Proposition.FLEX_LITE
    run.refresh_from_db()
    assert run.state == RunState.FINISHED


def test_a_site_that_changed_since_preparation_is_checked_again_at_its_turn(admin_user):
    site = ready_site()
    run = prepare(admin_user, site)
    migration_start(run_id=run.pk, actor=admin_user)
    site.tariff.delete()  # the homeowner removed it while the migration waited
    migration_batch(run_id=run.pk)
    item = run.items.get()
    assert (item.state, item.reason) == (ItemState.SKIPPED, "At its turn: Not ready: no tariff on file.")
    assert not AxleEvent.objects.exists()


def test_batches_keep_to_the_configured_rate_of_calls(admin_user, migration_settings):
    migration_settings.MIGRATION_AXLE_CALLS_PER_S = 2.0
    migration_settings.MIGRATION_BATCH_SITES = 2
    sites = [ready_site() for _ in range(3)]
    run = prepare(admin_user, *sites)
    migration_start(run_id=run.pk, actor=admin_user)
    with time_machine.travel(T0, tick=False):
        outcome = migration_batch(run_id=run.pk)
    # Two sites of two calls each (tariff, enrol) at 2 calls a second: due 0, 0.5, 1 and 1.5 s on.
    dues = [(e.next_attempt_at - T0).total_seconds() for e in AxleEvent.objects.order_by("pk")]
    assert dues == [0.0, 0.5, 1.0, 1.5]
    assert (outcome.sent, outcome.next_batch_in_s) == (2, 2.0)
    run.refresh_from_db()
    assert run.next_batch_at == T0 + dt.timedelta(seconds=2)


def test_a_batch_costs_the_same_number_of_queries_for_2_sites_as_for_20(admin_user):
    def queries_for(count):
        sites = [ready_site() for _ in range(count)]
        run = prepare(admin_user, *sites)
        migration_start(run_id=run.pk, actor=admin_user)
        with CaptureQueriesContext(connection) as captured:
            migration_batch(run_id=run.pk)
        assert run.items.filter(state=ItemState.SENDING).count() == count
        return len(captured)

    assert queries_for(2) == queries_for(20)


def test_the_sweep_resumes_a_run_whose_batches_stopped(admin_user):
    site = ready_site()
    run = prepare(admin_user, site)
    with time_machine.travel(T0, tick=False):
        migration_start(run_id=run.pk, actor=admin_user)  # its first batch's task is then lost
    assert migrations_sweep(now=T0 + dt.timedelta(minutes=5)) == 1
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        migration_batch(run_id=run.pk)  # what the queued task does
    assert migrations_sweep(now=T0 + dt.timedelta(minutes=5, seconds=30)) == 0  # next batch not yet late
    assert run.items.get().state == ItemState.SENDING


def test_cancelling_leaves_unsent_sites_alone(admin_user):
    sites = [ready_site() for _ in range(2)]
    run = prepare(admin_user, *sites)
    migration_start(run_id=run.pk, actor=admin_user)
    migration_cancel(run_id=run.pk, actor=admin_user)
    assert set(run.items.values_list("state", flat=True)) == {ItemState.CANCELLED}
    assert migration_batch(run_id=run.pk).sent == 0
    assert not AxleEvent.objects.exists()
    with pytest.raises(MigrationRefused, match="nothing to cancel"):
        migration_cancel(run_id=run.pk, actor=admin_user)


def test_rollback_unenrols_smart_charging_and_enrols_flex_lite(admin_user, axle_accepts):
    site = smart_charging_site()
    run = prepare(admin_user, site, direction=MigrationDirection.TO_FLEX_LITE)
    migration_start(run_id=run.pk, actor=admin_user)
    migration_batch(run_id=run.pk)
    assert site_product(site.pk) == Proposition.FLEX_LITE  # at once: Smart Charging is leaving
    assert [e.kind for e in AxleEvent.objects.order_by("pk")] == [EventKind.UNENROL, EventKind.ENROL]
    deliver_all([site])
    migration_batch(run_id=run.pk)
    assert axle_paths(axle_accepts) == ["unenrol", "enrol"]
    bodies = [json.loads(call.request.body) for call in axle_accepts.calls if "/entities/" in call.request.url]
    assert bodies == [
        {"proposition": "full_asset_schedule_control"},
        {"proposition": "limited_pause", "override_withdrawal": False},
    ]
    assert run.items.get().state == ItemState.DONE
    statuses = dict(Enrolment.objects.filter(site=site).values_list("proposition", "status"))
    assert statuses == {
        Proposition.SMART_CHARGING: EnrolmentStatus.UNENROLLED,
        Proposition.FLEX_LITE: EnrolmentStatus.ENROLLED,
    }


def test_a_rollback_skips_sites_not_on_smart_charging(admin_user):
    site = ready_site()
    run = prepare(admin_user, site, direction=MigrationDirection.TO_FLEX_LITE)
    assert run.items.get().reason == "Not on Smart Charging: nothing to roll back."


def test_override_withdrawal_is_sent_only_when_the_admin_ticks_it(admin_user):
    ticked, unticked = ready_site(), ready_site()
    for site, override in ((ticked, True), (unticked, False)):
        run = prepare(admin_user, site)
        migration_start(run_id=run.pk, actor=admin_user, override_withdrawal=override)
        migration_batch(run_id=run.pk)
    enrols = dict(AxleEvent.objects.filter(kind=EventKind.ENROL).values_list("site_id", "payload"))
    assert enrols[ticked.pk] == {"proposition": "full_asset_schedule_control", "override_withdrawal": True}
    assert enrols[unticked.pk] == {"proposition": "full_asset_schedule_control", "override_withdrawal": False}
    started = AuditEntry.objects.filter(action=AuditAction.MIGRATION_STARTED).order_by("pk")
    assert [entry.outcome for entry in started] == ["1 site(s) queued (override_withdrawal).", "1 site(s) queued."]
