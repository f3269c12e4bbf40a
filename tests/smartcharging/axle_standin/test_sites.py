"""Sites and assets through the platform's client: onboard, legacy onboard, the advanced flow, leaving."""

from uuid import UUID

import pytest

from smartcharging.axle import client
from smartcharging.axle.errors import AxlePermanentError
from tests.smartcharging.axle_standin.helpers import charger, onboard_smart, site

SMART = "full_asset_schedule_control"


def test_onboard_creates_site_and_assets_and_enrols(standin):
    answer = client.onboard(site=site(), assets=[charger()], proposition=SMART)

    assert answer.site.site_created is True
    assert answer.enrolment.status == "enrolled"
    assert answer.asset_ids == {"charger-001": answer.assets[0].asset_id}
    stored = standin.state.sites[str(answer.site.site_id)]
    assert stored["propositions"] == {SMART: "enrolled"}
    assert stored["gave_boundary_meter_consent_at"] == "2026-01-15T10:30:00Z"


def test_onboarding_again_is_an_upsert_that_says_what_changed(standin):
    first = client.onboard(site=site(), assets=[charger()], proposition=SMART)
    moved = site() | {"street_address": "11 Downing Street"}

    again = client.onboard(site=moved, assets=[charger() | {"asset_model": "zappi-2"}], proposition=SMART)

    assert again.site.site_id == first.site.site_id
    assert again.site.site_created is False
    assert again.site.fields_updated == ("street_address",)
    assert again.assets[0].asset_id == first.assets[0].asset_id
    assert again.assets[0].fields_updated == ("asset_model",)
    assert again.enrolment.status == "already_enrolled"


def test_onboard_without_meter_consent_is_400(standin):
    with pytest.raises(AxlePermanentError) as caught:
        client.onboard(site=site(consent=False), assets=[charger()], proposition=SMART)

    assert caught.value.status_code == 400
    assert standin.state.sites == {}


def test_a_charger_belonging_to_another_site_is_409_and_nothing_changes(standin):
    client.onboard(site=site("1234567890123"), assets=[charger("shared")], proposition=SMART)

    with pytest.raises(AxlePermanentError) as caught:
        client.onboard(site=site("9876543210987"), assets=[charger("shared")], proposition=SMART)

    assert caught.value.status_code == 409
    assert len(standin.state.sites) == 1


def test_smart_charging_needs_model_and_installation_date(standin):
    with pytest.raises(AxlePermanentError) as caught:
        client.onboard(site=site(), assets=[charger(complete=False)], proposition=SMART)

    assert caught.value.status_code == 422
    assert "asset_model_not_set" in str(caught.value)
    assert "asset_installation_date_not_set" in str(caught.value)
    assert standin.state.sites == {}  # refused as a whole


def test_legacy_onboard_then_409_when_the_site_exists(standin):
    first = client.onboard_site_and_asset_legacy(site=site(), asset=charger())

    with pytest.raises(AxlePermanentError) as caught:
        client.onboard_site_and_asset_legacy(site=site(), asset=charger())

    assert caught.value.status_code == 409
    assert standin.state.sites[str(first.site_id)]["propositions"] == {"limited_pause": "enrolled"}
    assert first.external_id == "charger-001"


def test_legacy_flex_lite_user_migrates_with_enrol(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site(), asset=charger())

    answer = client.enrol(site_id=legacy.site_id, proposition=SMART)

    assert answer.status == "enrolled"
    assert standin.state.sites[str(legacy.site_id)]["propositions"] == {"limited_pause": "enrolled", SMART: "enrolled"}


def test_a_user_who_withdrew_needs_override_withdrawal(standin):
    site_id, _ = onboard_smart()
    assert client.unenrol(site_id=site_id, proposition=SMART).status == "unenrolled"
    assert client.unenrol(site_id=site_id, proposition=SMART).status == "already_unenrolled"

    with pytest.raises(AxlePermanentError) as caught:
        client.onboard(site=site(), assets=[charger()], proposition=SMART)
    assert caught.value.status_code == 422
    assert "override_withdrawal" in str(caught.value)

    with pytest.raises(AxlePermanentError):
        client.enrol(site_id=site_id, proposition=SMART)

    answer = client.onboard(site=site(), assets=[charger()], proposition=SMART, override_withdrawal=True)
    assert answer.enrolment.status == "enrolled"


def test_advanced_flow_initialise_eligibility_enrol(standin):
    initialised = client.initialise(site=site(), assets=[charger(complete=False)])

    assert initialised.eligibility.eligible_propositions == ("limited_pause",)
    [asset] = initialised.eligibility.assets
    smart = next(p for p in asset.propositions if p.proposition == SMART)
    assert smart.issues == ("asset_model_not_set", "asset_installation_date_not_set")
    with pytest.raises(AxlePermanentError) as caught:
        client.enrol(site_id=initialised.site.site_id, proposition=SMART)
    assert caught.value.status_code == 422

    client.initialise(site=site(), assets=[charger()])
    eligibility = client.eligibility(site_id=initialised.site.site_id)
    assert eligibility.eligible_propositions == ("limited_pause", SMART)
    assert eligibility.has_meter_consent is True
    assert client.enrol(site_id=initialised.site.site_id, proposition=SMART).status == "enrolled"
    assert client.enrol(site_id=initialised.site.site_id, proposition=SMART).status == "already_enrolled"


def test_enrol_can_bring_the_meter_consent(standin):
    initialised = client.initialise(site=site(consent=False), assets=[charger()])
    assert initialised.eligibility.has_meter_consent is False

    with pytest.raises(AxlePermanentError) as caught:
        client.enrol(site_id=initialised.site.site_id, proposition=SMART)
    assert caught.value.status_code == 400

    answer = client.enrol(
        site_id=initialised.site.site_id,
        proposition=SMART,
        gave_boundary_meter_consent_at=site()["gave_boundary_meter_consent_at"],
    )
    assert answer.status == "enrolled"


def test_offboard_deletes_the_site_and_its_rewards(standin):
    site_id, asset_id = onboard_smart()

    client.offboard(site_id=site_id)

    assert standin.state.sites == {}
    assert asset_id not in standin.state.assets
    with pytest.raises(AxlePermanentError) as caught:
        client.rewards_info(site_id=site_id)
    assert caught.value.status_code == 404
    assert caught.value.body == {"detail": f"Site {site_id} not found"}


def test_unknown_site_is_404_and_a_malformed_id_422(standin):
    with pytest.raises(AxlePermanentError) as unknown:
        client.eligibility(site_id=UUID(int=7))
    with pytest.raises(AxlePermanentError) as malformed:
        client.eligibility(site_id="not-a-uuid")

    assert unknown.value.status_code == 404
    assert malformed.value.status_code == 422
    assert malformed.value.body["detail"][0]["loc"] == ["path", "site_id"]


def test_validation_errors_name_every_bad_field_like_fastapi(standin):
    bad_site = {"postcode": 5}
    bad_asset = {"external_id": "x", "type": "toaster"}

    with pytest.raises(AxlePermanentError) as caught:
        client.onboard(site=bad_site, assets=[bad_asset], proposition=SMART)

    detail = caught.value.body["detail"]
    assert [(item["loc"], item["type"]) for item in detail] == [
        (["body", "site", "mpan"], "missing"),
        (["body", "site", "postcode"], "string_type"),
        (["body", "assets", 0, "type"], "enum"),
    ]
    assert "site.mpan: Field required" in str(caught.value)
