"""The leaving services on their own: what stopping does to schedules and commands, two products, edge cases."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from chargers.models import ChargerCommand, CommandAction, CommandState
from chargers.services.commands import command_enqueue
from smartcharging.models import (
    ApplyState,
    AxleEvent,
    ChargingSchedule,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    Proposition,
)
from smartcharging.selectors import asset_taking_schedules, site_product
from smartcharging.services.leaving import (
    address_first_line,
    site_move_out,
    smart_charging_restart,
    smart_charging_stop,
    stopped_proposition,
)
from tests.factories import AssetFactory, EnrolmentFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(db):
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), site__axle_site_id=uuid.uuid4())
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return asset


def schedule(asset, **fields):
    return ChargingSchedule.objects.create(
        asset=asset,
        shape="profile",
        profile_sha256=uuid.uuid4().hex,
        raw_payload={},
        stack_level=1,
        purpose="TxDefaultProfile",
        kind="Absolute",
        rate_unit="W",
        periods=[{"start_period_s": 0, "limit": 7400.0, "number_phases": 1}],
        **fields,
    )


def test_a_schedule_not_yet_on_the_charger_never_gets_there(asset):
    waiting = schedule(asset, apply_state=ApplyState.TRANSLATED)
    command_enqueue(asset=asset, action=CommandAction.SET_CHARGING_PROFILE, schedule_id=waiting.pk)
    smart_charging_stop(site=asset.site, actor=None)
    waiting.refresh_from_db()
    assert (waiting.is_current, waiting.apply_state) == (False, ApplyState.SUPERSEDED)
    assert "Smart charging was stopped by the homeowner." in waiting.apply_notes
    commands = dict(ChargerCommand.objects.values_list("action", "state"))
    assert commands == {
        CommandAction.SET_CHARGING_PROFILE: CommandState.CANCELLED,
        CommandAction.CLEAR_CHARGING_PROFILE: CommandState.PENDING,
    }


def test_an_applied_schedule_stays_applied_in_the_history(asset):
    applied = schedule(asset, apply_state=ApplyState.APPLIED)
    smart_charging_stop(site=asset.site, actor=None)
    applied.refresh_from_db()
    assert (applied.is_current, applied.apply_state) == (False, ApplyState.APPLIED)
    assert applied.superseded_at is not None


def test_stopped_chargers_take_no_schedule_from_axle(asset):
    smart_charging_stop(site=asset.site, actor=None)
    taking = asset_taking_schedules(pk=asset.pk)
    assert taking is not None
    assert not taking.follows_smart_charging  # so the schedule endpoint answers 409


def test_a_site_following_both_products_leaves_both_and_starts_smart_charging_again(asset):
    EnrolmentFactory(site=asset.site, proposition=Proposition.FLEX_LITE, status=EnrolmentStatus.ENROLLED)
    assert smart_charging_stop(site=asset.site, actor=None) == Proposition.SMART_CHARGING
    assert site_product(asset.site_id) is None
    unenrols = AxleEvent.objects.filter(kind=EventKind.UNENROL).order_by("id")
    assert [e.payload["proposition"] for e in unenrols] == [Proposition.FLEX_LITE, Proposition.SMART_CHARGING]
    assert stopped_proposition(asset.site_id) == Proposition.SMART_CHARGING
    assert smart_charging_restart(site=asset.site, actor=None) == Proposition.SMART_CHARGING
    assert site_product(asset.site_id) == Proposition.SMART_CHARGING


def test_starting_again_without_meter_consent_is_refused_in_words(asset):
    smart_charging_stop(site=asset.site, actor=None)
    asset.site.meter_consent_at = None
    asset.site.save()
    with pytest.raises(ValidationError, match="has not consented"):
        smart_charging_restart(site=asset.site, actor=None)
    assert not AxleEvent.objects.filter(kind=EventKind.ENROL).exists()


def test_moving_out_after_an_onboarding_still_waiting_offboards_after_it(db):
    home = SiteFactory(household=UserFactory().household)
    AxleEvent.objects.create(site=home, kind=EventKind.ONBOARD, payload={})
    EnrolmentFactory(site=home, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.PENDING)
    assert site_move_out(site=home, actor=None) is True
    assert list(AxleEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        EventKind.ONBOARD,
        EventKind.OFFBOARD,
    ]
    assert Enrolment.objects.get(site=home).status == EnrolmentStatus.UNENROLLING
    assert site_move_out(site=home, actor=None) is False  # already moved out: nothing more
    assert AxleEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("address", "first_line"),
    [("10 Downing Street, London", "10 Downing Street"), ("Flat 2 ", "Flat 2"), ("Rose Cottage", "Rose Cottage")],
)
def test_the_first_line_of_the_address(address, first_line):
    assert address_first_line(SiteFactory.build(street_address=address)) == first_line
