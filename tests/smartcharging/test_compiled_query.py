"""A lookup compiled once gives what Django's own `.first()` gives, on SQLite and on PostgreSQL."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.db.transaction import TransactionManagementError

from chargers.models import Asset
from smartcharging.compiled_query import CompiledLookup
from smartcharging.models import ApplyState, ChargingSchedule, Enrolment, EnrolmentStatus, Proposition
from tests.factories import AssetFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def with_current(value):
    """Annotations of several types (a boolean, a time, text), as the schedules lookup reads them."""
    enrolled = Enrolment.objects.filter(site_id=OuterRef("site_id"), proposition=Proposition.SMART_CHARGING)
    return (
        Asset.objects.filter(axle_asset_id=value)
        .annotate(follows=Exists(enrolled))
        .annotate(
            current=FilteredRelation("schedules", condition=Q(schedules__is_current=True)),
            current_made_at=F("current__envelope_created_at"),
            current_state=F("current__apply_state"),
        )
        .only("pk", "site_id")
    )


def schedule(asset, made_at):
    return ChargingSchedule.objects.create(
        asset=asset, shape="profile", profile_sha256="x", raw_payload={}, stack_level=1, purpose="TxDefaultProfile",
        kind="Absolute", rate_unit="W", periods=[], is_current=True, envelope_created_at=made_at,
        apply_state=ApplyState.APPLIED,
    )  # fmt: skip


def test_rows_annotations_and_misses_match_django():
    made_at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night the clocks go forward
    enrolled = AssetFactory(axle_asset_id=uuid.uuid4())
    EnrolmentFactory(site=enrolled.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    schedule(enrolled, made_at)
    bare = AssetFactory(axle_asset_id=uuid.uuid4())
    lookup = CompiledLookup(with_current, Asset, "axle_asset_id")

    for asset_id in [enrolled.axle_asset_id, bare.axle_asset_id, enrolled.axle_asset_id]:  # again, compiled
        compiled, django = lookup.first(asset_id), with_current(asset_id).first()
        assert compiled is not None
        assert django is not None
        assert (compiled.pk, compiled.site_id) == (django.pk, django.site_id)
        assert (bool(compiled.follows), compiled.current_made_at, compiled.current_state) == (
            bool(django.follows),
            django.current_made_at,
            django.current_state,
        )
    found = lookup.first(enrolled.axle_asset_id)
    assert found.current_made_at == made_at  # a time, converted on SQLite too
    assert found.site.pk == enrolled.site.pk  # a real model instance: deferred fields still load
    assert lookup.first(uuid.uuid4()) is None


def test_lookup_by_pk_and_by_text():
    asset = AssetFactory(external_id="bay-7")
    by_pk = CompiledLookup(lambda value: Asset.objects.filter(pk=value), Asset, "pk")
    by_text = CompiledLookup(lambda value: Asset.objects.filter(external_id=value), Asset, "external_id")
    assert by_pk.first(asset.pk) == asset
    assert by_pk.first(asset.pk + 1000) is None
    assert by_text.first("bay-7") == asset
    assert by_text.first("bay-8") is None


@pytest.mark.django_db(transaction=True)
def test_a_locking_lookup_outside_a_transaction_is_refused_where_django_refuses_it():
    asset = AssetFactory()
    locking = lambda value: Asset.objects.select_for_update().filter(pk=value)  # noqa: E731
    lookup = CompiledLookup(locking, Asset, "pk")
    with transaction.atomic():
        assert lookup.first(asset.pk) == asset
    try:
        locking(asset.pk).first()
    except TransactionManagementError:  # PostgreSQL: a lock outside a transaction would not hold
        with pytest.raises(TransactionManagementError):
            lookup.first(asset.pk)
    else:  # SQLite takes no row locks, and Django lets it pass
        assert lookup.first(asset.pk) == asset


def test_a_query_that_uses_the_value_twice_is_refused():
    twice = CompiledLookup(lambda value: Asset.objects.filter(Q(pk=value) | Q(site_id=value)), Asset, "pk")
    with pytest.raises(ValueError, match="value used once"):
        twice.first(1)
