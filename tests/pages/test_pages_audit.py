"""A homeowner's changes to tariff and intent join the audit trail the admins read, under their name."""

import pytest

from smartcharging.models import AuditAction, AuditEntry
from tests.pages.test_pages_needs import ROUTINE
from tests.pages.test_pages_tariff import BY_HAND

pytestmark = pytest.mark.django_db


def test_a_tariff_change_is_in_the_trail_with_the_homeowner_as_actor(signed_in, site, homeowner):
    signed_in.post(f"/homes/{site.pk}/tariff/", BY_HAND)
    entry = AuditEntry.objects.get(action=AuditAction.TARIFF_CHANGED)
    assert (entry.site, entry.actor, entry.actor_label) == (site, homeowner, "ann@example.com")
    assert entry.outcome == "Dual rate (off-peak windows) (My night tariff), off-peak 23:30-05:30, 13:00-16:00."


def test_routine_and_one_off_changes_are_in_the_trail(signed_in, asset, homeowner):
    signed_in.post(f"/chargers/{asset.pk}/needs/", ROUTINE)
    signed_in.post(f"/chargers/{asset.pk}/tonight/", {"energy_kwh": "12", "ready_by": "06:30"})
    signed_in.post(f"/chargers/{asset.pk}/tonight/cancel/")
    outcomes = list(
        AuditEntry.objects.filter(action=AuditAction.INTENT_CHANGED, actor=homeowner)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes[0] == f"{asset.ocpp_charge_point_id}: Routine: 40 kWh by 06:30."
    assert outcomes[1].startswith(f"{asset.ocpp_charge_point_id}: One-off: 12 kWh by 06:30 on ")
    assert outcomes[1].endswith("(Europe/London).")
    assert outcomes[2] == f"{asset.ocpp_charge_point_id}: One-off change cancelled: back to the routine."
