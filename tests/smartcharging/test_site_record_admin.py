"""The homeowner's consent time and Axle's ids are not an operator's to type (issue 18, finding 10).

The site and charger forms show them read-only; the one way an operator changes them is the
"Correct consent or Axle ids" page: with the permission, with a reason, into the audit trail.
"""

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.forms import CheckboxInput, MultiWidget

from accounts.models import User
from chargers.models import Asset, Site
from smartcharging.models import AuditAction, AuditEntry
from tests.factories import AssetFactory, SiteFactory

pytestmark = pytest.mark.django_db

CONSENT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # SiteFactory's
AXLE_SITE = uuid.UUID("0e8f9a43-1b1e-4a57-9f53-0d3f7c1b6a10")
AXLE_ASSET = uuid.UUID("5d9a4a8e-2c0f-4a57-9f53-0d3f7c1b6a10")


def operator(client, *codenames):
    user = User.objects.create_user(f"{uuid.uuid4().hex[:8]}@operator.example", "admin-passphrase-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_site", "change_site", *codenames]))
    client.force_login(user)
    return user


@pytest.fixture
def site():
    site = SiteFactory(axle_site_id=AXLE_SITE)
    AssetFactory(site=site, axle_asset_id=AXLE_ASSET, ocpp_charge_point_id="CP-AXLE-1")
    return site


def _field_data(name, widget, value):
    if isinstance(widget, MultiWidget):
        parts = value if isinstance(value, list) else widget.decompress(value)
        data = {}
        for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
            data |= _field_data(f"{name}{suffix}", sub, part)
        return data
    if isinstance(widget, CheckboxInput):
        return {name: "on"} if value else {}
    formatted = widget.format_value(value)
    return {name: "" if formatted is None else formatted}


def change_form_as_shown(response):
    """The POST a browser sends for the change form exactly as the admin rendered it."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            data |= _field_data(bound.html_name, bound.field.widget, bound.value())
    return data


def test_a_staff_user_posting_the_site_form_cannot_change_consent_or_axles_ids(client, site):
    operator(client)
    page = f"/admin/chargers/site/{site.pk}/change/"
    data = change_form_as_shown(client.get(page))
    data |= {
        "meter_consent_at_0": "2020-01-01",
        "meter_consent_at_1": "00:00:00",
        "axle_site_id": str(uuid.uuid4()),
        "assets-0-axle_asset_id": str(uuid.uuid4()),
        "street_address": "3 Birch Close, London",  # a field that is the operator's to change
    }
    response = client.post(page, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    site.refresh_from_db()
    assert site.street_address == "3 Birch Close, London"
    assert (site.meter_consent_at, site.axle_site_id) == (CONSENT, AXLE_SITE)
    assert Asset.objects.get(site=site).axle_asset_id == AXLE_ASSET


def test_a_staff_user_posting_the_charger_form_cannot_change_axles_id(client, site):
    operator(client, "view_asset", "change_asset")
    asset = Asset.objects.get(site=site)
    page = f"/admin/chargers/asset/{asset.pk}/change/"
    data = change_form_as_shown(client.get(page)) | {"axle_asset_id": str(uuid.uuid4()), "make": "Easee"}
    assert client.post(page, data).status_code == 302
    asset.refresh_from_db()
    assert (asset.make, asset.axle_asset_id) == ("Easee", AXLE_ASSET)


def correction(site, **changes):
    asset = Asset.objects.get(site=site, axle_asset_id=AXLE_ASSET)
    data = {
        "meter_consent_at_0": "2026-01-04",
        "meter_consent_at_1": "18:30:00",
        "axle_site_id": str(AXLE_SITE),
        f"asset_{asset.pk}": str(AXLE_ASSET),
        "reason": "The homeowner consented on the paper form dated 4 January; the sign-up lost it.",
    }
    return data | changes


def test_the_audited_correction_changes_the_record_and_says_who_what_and_why(client, site):
    user = operator(client, "correct_site_record")
    page = f"/admin/chargers/site/{site.pk}/correct-record/"
    assert "Correct consent or Axle ids" in client.get(f"/admin/chargers/site/{site.pk}/change/").content.decode()
    assert client.get(page).status_code == 200
    response = client.post(page, correction(site))
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.meter_consent_at == datetime(2026, 1, 4, 18, 30, tzinfo=UTC)
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_CORRECTED)
    assert (entry.site, entry.actor, entry.actor_label) == (site, user, user.email)
    assert entry.outcome == (
        "Corrected meter consent time 2026-01-05 09:00:00 UTC → 2026-01-04 18:30:00 UTC. "
        "Reason: The homeowner consented on the paper form dated 4 January; the sign-up lost it."
    )
    history = client.get(f"/admin/chargers/site/{site.pk}/change/").content.decode()
    assert "the paper form dated 4 January" in history


def test_axles_ids_are_corrected_alike_and_two_chargers_may_swap(client, site):
    operator(client, "correct_site_record")
    first = Asset.objects.get(site=site)
    second = AssetFactory(site=site, axle_asset_id=uuid.uuid4())
    swapped = correction(  # the consent time as it is: only the ids change
        site,
        meter_consent_at_0="2026-01-05",
        meter_consent_at_1="09:00:00",
        **{f"asset_{first.pk}": str(second.axle_asset_id), f"asset_{second.pk}": str(AXLE_ASSET)},
    )
    old_second = second.axle_asset_id
    assert client.post(f"/admin/chargers/site/{site.pk}/correct-record/", swapped).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.axle_asset_id, second.axle_asset_id) == (old_second, AXLE_ASSET)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": "  "}, "reason", "Say why the record is wrong and how you know"),
        ({"meter_consent_at_0": "2099-01-01"}, "meter_consent_at", "Consent cannot be recorded in the future."),
        ({"axle_site_id": "not-a-uuid"}, "axle_site_id", "Enter a valid UUID."),
        ({"meter_consent_at_0": "2026-01-05", "meter_consent_at_1": "09:00:00"}, "__all__", "Nothing differs"),
    ],
)
def test_a_correction_without_a_reason_or_with_a_wrong_value_changes_nothing(client, site, changes, field, message):
    operator(client, "correct_site_record")
    response = client.post(f"/admin/chargers/site/{site.pk}/correct-record/", correction(site, **changes))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    site.refresh_from_db()
    assert site.meter_consent_at == CONSENT
    assert not AuditEntry.objects.exists()


def test_an_axle_site_id_another_site_has_is_refused_by_name(client, site):
    operator(client, "correct_site_record")
    other = SiteFactory(axle_site_id=uuid.uuid4())
    data = correction(site, axle_site_id=str(other.axle_site_id))
    response = client.post(f"/admin/chargers/site/{site.pk}/correct-record/", data)
    assert response.context["form"].errors["axle_site_id"] == [
        f"Another site already has Axle site id {other.axle_site_id}."
    ]
    assert Site.objects.get(pk=site.pk).axle_site_id == AXLE_SITE


def test_staff_without_the_permission_get_403_and_no_link(client, site):
    operator(client)
    page = f"/admin/chargers/site/{site.pk}/correct-record/"
    assert client.get(page).status_code == 403
    assert client.post(page, correction(site)).status_code == 403
    assert "Correct consent or Axle ids" not in client.get(f"/admin/chargers/site/{site.pk}/change/").content.decode()
    refused = client.post("/admin/chargers/site/", {"action": "correct_record", "_selected_action": [site.pk]})
    assert refused.status_code == 200  # the action is not offered: the list comes back unchanged
    site.refresh_from_db()
    assert site.meter_consent_at == CONSENT
    assert not AuditEntry.objects.exists()


def test_the_action_opens_the_page_for_one_selected_site(client, site):
    operator(client, "correct_site_record")
    chosen = client.post("/admin/chargers/site/", {"action": "correct_record", "_selected_action": [site.pk]})
    assert chosen["Location"] == f"/admin/chargers/site/{site.pk}/correct-record/"
