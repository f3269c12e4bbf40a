"""Readings with a verdict each, and rewards in pence earned from them, through the platform's client."""

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from smartcharging.axle import client
from smartcharging.axle.errors import AxlePermanentError
from smartcharging.axle.types import ReadingPayload
from tests.smartcharging.axle_standin.helpers import TARIFF, charger, onboard_smart, site

OFF_PEAK = datetime(2026, 4, 15, 1, 0, tzinfo=UTC)  # inside 00:00-05:30 UTC
PEAK = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def reading(asset_id, start, value=3.5, *, length=HALF_HOUR) -> ReadingPayload:
    return {
        "asset_id": asset_id,
        "start_timestamp": start,
        "end_timestamp": start + length,
        "value": value,
        "label": "charger_consumption_energy_kwh",
    }


def verdicts(answer):
    return [(verdict.accepted, verdict.error) for verdict in answer.verdicts]


def test_each_reading_gets_its_own_verdict(standin):
    _, asset_id = onboard_smart()

    answer = client.send_readings(
        readings=[
            reading(asset_id, OFF_PEAK),
            reading(asset_id, OFF_PEAK + timedelta(minutes=10)),
            reading(asset_id, OFF_PEAK + HALF_HOUR, length=timedelta(minutes=15)),
            reading(asset_id, OFF_PEAK + 2 * HALF_HOUR, value=-0.1),
            reading(uuid.UUID(int=5), OFF_PEAK),
        ]
    )

    assert verdicts(answer) == [
        (True, None),
        (False, "start_timestamp must be aligned to :00 or :30 UTC"),
        (False, "A reading must cover exactly 30 minutes"),
        (False, "value must not be negative"),
        (False, f"Unknown asset {uuid.UUID(int=5)}"),
    ]
    assert answer.verdicts[0].start == OFF_PEAK
    assert len(standin.state.readings) == 1


def test_a_resent_reading_is_accepted_once_and_a_different_value_refused(standin):
    _, asset_id = onboard_smart()
    client.send_readings(readings=[reading(asset_id, OFF_PEAK, 3.5)])

    again = client.send_readings(readings=[reading(asset_id, OFF_PEAK, 3.5), reading(asset_id, OFF_PEAK, 2.0)])

    assert verdicts(again) == [(True, None), (False, "Reading overlaps an existing reading with a different value")]
    assert [r["value"] for r in standin.state.readings.values()] == [3.5]


def test_readings_may_be_gzipped(standin):
    _, asset_id = onboard_smart()

    answer = client.send_readings(readings=[reading(asset_id, OFF_PEAK)], gzip_body=True)

    assert verdicts(answer) == [(True, None)]
    assert standin.state.requests[-1]["status"] == 200


def test_a_malformed_reading_fails_the_whole_batch_with_422(standin):
    _, asset_id = onboard_smart()
    bad = reading(asset_id, OFF_PEAK) | {"label": "volts"}

    with pytest.raises(AxlePermanentError) as caught:
        client.send_readings(readings=[reading(asset_id, PEAK), bad])

    assert caught.value.body["detail"][0]["loc"] == ["body", "readings", 1, "label"]
    assert standin.state.readings == {}


def test_off_peak_energy_of_a_smart_charging_site_earns_pence(standin):
    site_id, asset_id = onboard_smart()
    client.tariff_update(asset_id=asset_id, tariff=TARIFF)

    client.send_readings(readings=[reading(asset_id, OFF_PEAK, 3.5), reading(asset_id, PEAK, 3.5)])
    client.send_readings(readings=[reading(asset_id, OFF_PEAK, 3.5)])  # resent: no second credit

    info = client.rewards_info(site_id=site_id)
    assert (info.current_balance_pence, info.total_earnings_pence) == (7, 7)  # 3.5 kWh x 2 p, off-peak only
    assert info.minimum_withdrawal_threshold_pence == 500
    assert info.can_withdraw is False
    [credit] = client.rewards_transactions(site_id=site_id).transactions
    assert (credit.credit_pence, credit.flex_kwh, credit.start_time) == (7, 3.5, OFF_PEAK)
    assert credit.settlement_date.isoformat() == "2026-04-16"


def test_no_credit_without_smart_charging_or_without_a_tariff(standin):
    legacy = client.onboard_site_and_asset_legacy(site=site("1111111111111"), asset=charger("flex-lite"))
    smart_site, smart_asset = onboard_smart()  # enrolled, but no tariff sent yet

    client.send_readings(readings=[reading(legacy.asset_id, OFF_PEAK), reading(smart_asset, OFF_PEAK)])

    assert client.rewards_info(site_id=legacy.site_id).total_earnings_pence == 0
    assert client.rewards_info(site_id=smart_site).total_earnings_pence == 0


def test_the_withdrawal_link_pays_out_once_and_returns_to_the_platform(standin):
    site_id, _ = onboard_smart()
    requests.post(f"{standin.public_url}/_standin/rewards/{site_id}/credit", json={"pence": 650}, timeout=5)
    assert client.rewards_info(site_id=site_id).can_withdraw is True

    link = client.withdrawal_url(site_id=site_id, redirect_uri="http://127.0.0.1:8000/rewards/")
    assert urlsplit(link.url).path.startswith("/_standin/withdraw/")
    assert link.expires_at is not None

    page = requests.get(link.url, allow_redirects=False, timeout=5)
    assert page.status_code == 303
    assert page.headers["Location"] == "http://127.0.0.1:8000/rewards/"
    assert requests.get(link.url, allow_redirects=False, timeout=5).status_code == 404  # one use only

    info = client.rewards_info(site_id=site_id)
    assert (info.current_balance_pence, info.total_earnings_pence) == (0, 650)
    newest = client.rewards_transactions(site_id=site_id).transactions[0]
    assert (newest.transaction_type, newest.credit_pence, newest.payment_status) == ("withdrawal", -650, "posted")


def test_the_withdrawal_url_needs_a_redirect_uri(standin):
    site_id, _ = onboard_smart()
    token = standin.state.tokens and next(iter(standin.state.tokens))

    answer = requests.get(
        f"{standin.public_url}/rewards/{site_id}/url/balance", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "redirect_uri"]
