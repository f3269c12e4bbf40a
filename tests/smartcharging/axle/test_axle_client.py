"""Each call to Axle: its method, path and body as Axle documents them, and its answer read strictly."""

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest

from smartcharging.axle import client, format_timestamp
from smartcharging.axle.errors import AxleProtocolError
from smartcharging.axle.types import (
    AssetPayload,
    ChargingBlockPayload,
    IntentPayload,
    ReadingPayload,
    SitePayload,
    TariffPayload,
)
from tests.smartcharging.axle import fake_axle as fake

PLUGGED_IN_AT = datetime(2026, 4, 14, 22, 0, tzinfo=UTC)
CONSENT_AT = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
INTENT: IntentPayload = {
    "energy_required_kwh": Decimal("30.0"),
    "ready_by": datetime(2026, 4, 15, 7, 0, tzinfo=UTC),
    "ready_by_local_time": time(7, 0),
    "energy_estimated": False,
    "may_charge_peak": False,
    "charging_mode": "maximise_charging_time",
}
INTENT_SENT = {
    "energy_required_kwh": 30.0,
    "ready_by": "2026-04-15T07:00:00+00:00",
    "ready_by_local_time": "07:00",
    "energy_estimated": False,
    "may_charge_peak": False,
    "charging_mode": "maximise_charging_time",
}
TARIFF: TariffPayload = {
    "off_peak_times": "00:00-05:30, 23:30-24:00",
    "timezone": "Europe/London",
    "tariff_type": "dual_rate",
}
SITE: SitePayload = {
    "mpan": "1234567890123",
    "postcode": "SW1A 1AA",
    "street_address": "10 Downing Street",
    "email": "resident@example.com",
    "gave_boundary_meter_consent_at": CONSENT_AT,
}
SITE_SENT = {**fake.SITE, "gave_boundary_meter_consent_at": "2026-01-15T10:30:00+00:00"}
ASSET: AssetPayload = {
    "external_id": "charger-001",
    "type": "charger",
    "properties": {"power_kw": 7.4},
    "asset_model": "zappi",
    "installation_date": date(2025, 6, 15),
}
ASSET_SENT = {**fake.ASSET, "asset_model": "zappi", "installation_date": "2025-06-15"}
BLOCKS: list[ChargingBlockPayload] = [
    {"start_timestamp": PLUGGED_IN_AT, "end_timestamp": PLUGGED_IN_AT + timedelta(hours=8)}
]
BLOCKS_SENT = [{"start_timestamp": "2026-04-14T22:00:00+00:00", "end_timestamp": "2026-04-15T06:00:00+00:00"}]
READING: ReadingPayload = {
    "asset_id": UUID(fake.ASSET_ID),
    "start_timestamp": PLUGGED_IN_AT,
    "end_timestamp": PLUGGED_IN_AT + timedelta(minutes=30),
    "value": Decimal("3.6"),
    "label": "charger_consumption_energy_kwh",
}
READING_SENT = {
    "asset_id": fake.ASSET_ID,
    "start_timestamp": "2026-04-14T22:00:00+00:00",
    "end_timestamp": "2026-04-14T22:30:00+00:00",
    "value": 3.6,
    "label": "charger_consumption_energy_kwh",
}
SITE_PATH = f"/entities/site/{fake.SITE_ID}"
EVENT_PATH = f"/entities/asset/{fake.ASSET_ID}/event"

# (call, method, path, query, body sent, Axle's answer)
CALLS = [
    pytest.param(
        lambda: client.onboard(site=SITE, assets=[ASSET], proposition="full_asset_schedule_control"),
        "POST",
        "/entities/site/onboard",
        {},
        {
            "site": SITE_SENT,
            "assets": [ASSET_SENT],
            "proposition": "full_asset_schedule_control",
            "override_withdrawal": False,
        },
        fake.ONBOARD_ANSWER,
        id="onboard",
    ),
    pytest.param(
        lambda: client.onboard_site_and_asset_legacy(site=SITE, asset=ASSET),
        "POST",
        "/entities/site/onboard-site-and-asset",
        {},
        {"site": SITE_SENT, "asset": ASSET_SENT, "dispatch_consent": {"dispatch_methods": ["limited_pause"]}},
        fake.LEGACY_ONBOARD_ANSWER,
        id="onboard_site_and_asset_legacy",
    ),
    pytest.param(
        lambda: client.initialise(site=SITE, assets=[ASSET]),
        "POST",
        "/entities/site/initialise",
        {},
        {"site": SITE_SENT, "assets": [ASSET_SENT]},
        fake.INITIALISE_ANSWER,
        id="initialise",
    ),
    pytest.param(
        lambda: client.enrol(site_id=fake.SITE_ID, proposition="full_asset_schedule_control"),
        "POST",
        f"{SITE_PATH}/enrol",
        {},
        {"proposition": "full_asset_schedule_control", "override_withdrawal": False},
        {"site_id": fake.SITE_ID, "status": "already_enrolled"},
        id="enrol",
    ),
    pytest.param(
        lambda: client.enrol(
            site_id=UUID(fake.SITE_ID),
            proposition="limited_pause",
            override_withdrawal=True,
            gave_boundary_meter_consent_at=CONSENT_AT,
        ),
        "POST",
        f"{SITE_PATH}/enrol",
        {},
        {
            "proposition": "limited_pause",
            "override_withdrawal": True,
            "gave_boundary_meter_consent_at": "2026-01-15T10:30:00+00:00",
        },
        {"site_id": fake.SITE_ID, "status": "enrolled"},
        id="enrol-overriding-withdrawal",
    ),
    pytest.param(
        lambda: client.unenrol(site_id=fake.SITE_ID, proposition="limited_pause"),
        "POST",
        f"{SITE_PATH}/unenrol",
        {},
        {"proposition": "limited_pause"},
        {"site_id": fake.SITE_ID, "status": "already_unenrolled"},
        id="unenrol",
    ),
    pytest.param(
        lambda: client.offboard(site_id=fake.SITE_ID),
        "POST",
        f"{SITE_PATH}/offboard-site-and-assets",
        {},
        None,
        fake.LEGACY_ONBOARD_ANSWER,
        id="offboard",
    ),
    pytest.param(
        lambda: client.eligibility(site_id=fake.SITE_ID),
        "GET",
        f"{SITE_PATH}/eligibility",
        {},
        None,
        fake.ELIGIBILITY,
        id="eligibility",
    ),
    pytest.param(
        lambda: client.tariff_update(asset_id=fake.ASSET_ID, tariff=TARIFF),
        "POST",
        f"{EVENT_PATH}/tariff-update",
        {},
        {"tariff": TARIFF},
        {},
        id="tariff_update",
    ),
    pytest.param(
        lambda: client.intent(asset_id=fake.ASSET_ID, intent=INTENT),
        "POST",
        f"{EVENT_PATH}/intent",
        {},
        {"intent": INTENT_SENT},
        {},
        id="intent",
    ),
    pytest.param(
        lambda: client.plug_in(asset_id=fake.ASSET_ID),
        "POST",
        f"{EVENT_PATH}/plug-in",
        {},
        {},
        {},
        id="plug_in-bare",
    ),
    pytest.param(
        lambda: client.plug_in(asset_id=fake.ASSET_ID, intent=INTENT, vehicle={"charging_rate_kw": 7.0}, tariff=TARIFF),
        "POST",
        f"{EVENT_PATH}/plug-in",
        {},
        {"intent": INTENT_SENT, "vehicle": {"charging_rate_kw": 7.0}, "tariff": TARIFF},
        {},
        id="plug_in-full",
    ),
    pytest.param(
        lambda: client.plug_out(asset_id=fake.ASSET_ID),
        "POST",
        f"{EVENT_PATH}/plug-out",
        {},
        {},
        {},
        id="plug_out",
    ),
    pytest.param(
        lambda: client.charge_now(
            asset_id=fake.ASSET_ID, end_at=datetime(2026, 4, 14, 23, 0, tzinfo=timezone(timedelta(hours=1)))
        ),
        "POST",
        f"{EVENT_PATH}/charge-now",
        {},
        {"end_at": "2026-04-14T22:00:00+00:00"},
        {},
        id="charge_now",
    ),
    pytest.param(
        lambda: client.charge_now_deleted(asset_id=fake.ASSET_ID),
        "POST",
        f"{EVENT_PATH}/charge-now-deleted",
        {},
        {},
        None,
        id="charge_now_deleted",
    ),
    pytest.param(
        lambda: client.plug_in_schedule(asset_id=fake.ASSET_ID, charging_schedule=BLOCKS),
        "POST",
        f"{EVENT_PATH}/plug-in-schedule",
        {},
        {"charging_schedule": BLOCKS_SENT},
        fake.PLUG_IN_SCHEDULE_ANSWER,
        id="plug_in_schedule",
    ),
    pytest.param(
        lambda: client.schedule_callback(
            asset_id=fake.ASSET_ID, event_id=fake.EVENT_ID, status="ACCEPTED", timestamp=PLUGGED_IN_AT
        ),
        "POST",
        f"/entities/asset/{fake.ASSET_ID}/callback/{fake.EVENT_ID}",
        {},
        {"timestamp": "2026-04-14T22:00:00+00:00", "status": "ACCEPTED"},
        None,
        id="schedule_callback",
    ),
    pytest.param(
        lambda: client.send_readings(readings=[READING]),
        "POST",
        "/data/readings",
        {},
        {"readings": [READING_SENT]},
        fake.READINGS_ANSWER,
        id="send_readings",
    ),
    pytest.param(
        lambda: client.rewards_info(site_id=fake.SITE_ID),
        "GET",
        f"/rewards/{fake.SITE_ID}/info",
        {},
        None,
        fake.REWARDS_INFO,
        id="rewards_info",
    ),
    pytest.param(
        lambda: client.rewards_transactions(site_id=fake.SITE_ID),
        "GET",
        f"/rewards/{fake.SITE_ID}/transactions",
        {},
        None,
        fake.REWARDS_TRANSACTIONS,
        id="rewards_transactions",
    ),
    pytest.param(
        lambda: client.withdrawal_url(site_id=fake.SITE_ID, redirect_uri="https://app.example/rewards?done=1"),
        "GET",
        f"/rewards/{fake.SITE_ID}/url/balance",
        {"redirect_uri": ["https://app.example/rewards?done=1"]},
        None,
        fake.WITHDRAWAL_ANSWER,
        id="withdrawal_url",
    ),
]


@pytest.mark.parametrize(("call", "method", "path", "query", "body", "answer"), CALLS)
def test_each_call_sends_its_documented_request(axle, token_call, call, method, path, query, body, answer):
    route = axle.add(method, fake.BASE_URL + path, json=answer)

    call()

    assert route.call_count == 1
    request = route.calls[0].request
    assert parse_qs(urlsplit(request.url).query) == query
    assert request.headers["Authorization"] == f"Bearer {fake.TOKEN}"
    if body is None:
        assert not request.body
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.body) == body


def test_onboard_answer_gives_axles_ids(axle, token_call):
    axle.post(f"{fake.BASE_URL}/entities/site/onboard", json=fake.ONBOARD_ANSWER)

    answer = client.onboard(site=SITE, assets=[ASSET], proposition="limited_pause")

    assert answer.site.site_id == UUID(fake.SITE_ID)
    assert answer.site.site_created is True
    assert answer.asset_ids == {"charger-001": UUID(fake.ASSET_ID)}
    assert answer.enrolment.status == "enrolled"
    assert answer.raw == fake.ONBOARD_ANSWER


def test_initialise_answer_carries_eligibility_issues(axle, token_call):
    axle.post(f"{fake.BASE_URL}/entities/site/initialise", json=fake.INITIALISE_ANSWER)

    answer = client.initialise(site=SITE, assets=[ASSET])

    assert answer.site.fields_updated == ("email",)
    assert answer.eligibility.eligible_propositions == ("limited_pause",)
    smart = answer.eligibility.assets[0].propositions[1]
    assert (smart.proposition, smart.is_eligible) == ("full_asset_schedule_control", False)
    assert smart.issues == ("asset_model_not_set", "asset_installation_date_not_set")
    assert answer.eligibility.has_meter_consent is True


def test_legacy_onboard_answer_gives_axles_ids(axle, token_call):
    axle.post(f"{fake.BASE_URL}/entities/site/onboard-site-and-asset", json=fake.LEGACY_ONBOARD_ANSWER)

    answer = client.onboard_site_and_asset_legacy(site=SITE, asset=ASSET)

    assert (answer.site_id, answer.asset_id, answer.external_id) == (
        UUID(fake.SITE_ID),
        UUID(fake.ASSET_ID),
        "charger-001",
    )


def test_plug_in_schedule_returns_axles_blocks(axle, token_call):
    axle.post(f"{fake.BASE_URL}{EVENT_PATH}/plug-in-schedule", json=fake.PLUG_IN_SCHEDULE_ANSWER)

    blocks = client.plug_in_schedule(asset_id=fake.ASSET_ID, charging_schedule=BLOCKS)

    assert [(block.start, block.end) for block in blocks] == [
        (datetime(2026, 4, 14, 23, 30, tzinfo=UTC), datetime(2026, 4, 15, 1, 0, tzinfo=UTC)),
        (datetime(2026, 4, 15, 1, 30, tzinfo=UTC), datetime(2026, 4, 15, 5, 30, tzinfo=UTC)),
    ]


def test_readings_partly_refused_are_told_apart(axle, token_call):
    axle.post(f"{fake.BASE_URL}/data/readings", json=fake.READINGS_ANSWER)

    answer = client.send_readings(readings=[READING, READING])

    assert [verdict.accepted for verdict in answer.verdicts] == [True, False]
    (refused,) = answer.refused
    assert refused.error == "Reading overlaps an existing reading"
    assert refused.start == datetime(2026, 4, 14, 22, 30, tzinfo=UTC)
    assert refused.asset_id == UUID(fake.ASSET_ID)


def test_rewards_are_read_in_pence(axle, token_call):
    axle.get(f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/info", json=fake.REWARDS_INFO)
    axle.get(f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/transactions", json=fake.REWARDS_TRANSACTIONS)

    info = client.rewards_info(site_id=fake.SITE_ID)
    history = client.rewards_transactions(site_id=fake.SITE_ID)

    assert (info.current_balance_pence, info.can_withdraw) == (1250, True)
    event, withdrawal = history.transactions
    assert (event.credit_pence, event.flex_kwh, event.settlement_date) == (150, -1.234, date(2026, 5, 1))
    assert (withdrawal.credit_pence, withdrawal.payment_status, withdrawal.end_time) == (
        -3000,
        "posted",
        None,
    )


def test_withdrawal_url_stays_out_of_its_repr(axle, token_call):
    axle.get(f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/url/balance", json=fake.WITHDRAWAL_ANSWER)

    answer = client.withdrawal_url(site_id=fake.SITE_ID, redirect_uri="https://app.example/rewards")

    assert answer.url == fake.WITHDRAWAL_URL
    assert fake.WITHDRAWAL_URL not in repr(answer)
    assert answer.expires_at == datetime(2026, 4, 14, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        pytest.param({**fake.ONBOARD_ANSWER, "site": {"site_created": True}}, "site.site_id", id="missing"),
        pytest.param(
            {**fake.ONBOARD_ANSWER, "assets": [{"external_id": "charger-001", "asset_id": "not-a-uuid"}]},
            "assets[0].asset_id",
            id="not-a-uuid",
        ),
        pytest.param(
            {**fake.ONBOARD_ANSWER, "enrolment": {"site_id": fake.SITE_ID, "status": "pending"}},
            "enrolment.status",
            id="unknown-status",
        ),
    ],
)
def test_an_answer_not_as_documented_is_refused_naming_the_field(axle, token_call, answer, field):
    axle.post(f"{fake.BASE_URL}/entities/site/onboard", json=answer)

    with pytest.raises(AxleProtocolError) as caught:
        client.onboard(site=SITE, assets=[ASSET], proposition="limited_pause")

    assert "POST /entities/site/onboard" in str(caught.value)
    assert f"field {field} " in str(caught.value)
    assert caught.value.transient is False


def test_a_verdict_without_accepted_is_refused(axle, token_call):
    verdicts = fake.READINGS_ANSWER["responses"]
    axle.post(f"{fake.BASE_URL}/data/readings", json={"responses": [verdicts[0], {**verdicts[1], "accepted": None}]})

    with pytest.raises(AxleProtocolError, match=r"required field responses\[1\]\.accepted is missing"):
        client.send_readings(readings=[READING, READING])


def test_a_withdrawal_answer_not_as_documented_does_not_echo_the_url(axle, token_call):
    axle.get(
        f"{fake.BASE_URL}/rewards/{fake.SITE_ID}/url/balance",
        json={"balance_withdrawal_url": fake.WITHDRAWAL_URL, "url_expiry_timestamp": "in an hour"},
    )

    with pytest.raises(AxleProtocolError) as caught:
        client.withdrawal_url(site_id=fake.SITE_ID, redirect_uri="https://app.example/rewards")

    assert "url_expiry_timestamp" in str(caught.value)
    assert fake.WITHDRAWAL_URL not in str(caught.value)
    assert fake.WITHDRAWAL_URL not in repr(caught.value)


def test_naive_datetime_is_refused_before_anything_is_sent(axle):
    naive = datetime(2026, 4, 14, 23, 0)  # noqa: DTZ001 - the mistake under test

    with pytest.raises(ValueError, match="naive datetime"):
        client.charge_now(asset_id=fake.ASSET_ID, end_at=naive)

    assert len(axle.calls) == 0


def test_timestamps_are_sent_in_utc_with_their_offset():
    london_summer = datetime(2026, 4, 14, 23, 0, tzinfo=timezone(timedelta(hours=1)))

    assert format_timestamp(london_summer) == "2026-04-14T22:00:00+00:00"


def test_ids_cannot_change_the_endpoint(axle, token_call):
    route = axle.post(f"{fake.BASE_URL}/entities/asset/..%2Fsite%3Fx%3D1/event/plug-out", json={})

    client.plug_out(asset_id="../site?x=1")

    assert route.call_count == 1
