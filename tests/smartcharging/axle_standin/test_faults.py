"""Each fault switch, as the platform's client meets it, and the control endpoints that set them."""

from datetime import UTC, datetime, timedelta

import pytest

from smartcharging.axle import client
from smartcharging.axle.errors import AxleTransientError
from smartcharging.axle_standin.faults import Faults
from smartcharging.services.readings import _TRANSIENT_ERROR
from tests.smartcharging.axle_standin.helpers import INTENT, control, onboard_smart

START = datetime(2026, 4, 15, 1, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("status", [500, 503])
def test_the_next_n_requests_fail_then_all_is_well(standin, status):
    site_id, _ = onboard_smart()
    standin.faults.fail_with(status, count=2)

    for _ in range(2):
        with pytest.raises(AxleTransientError) as caught:
            client.rewards_info(site_id=site_id)
        assert caught.value.status_code == status

    assert client.rewards_info(site_id=site_id).current_balance_pence == 0


def test_requests_fail_for_a_while_then_recover(standin):
    site_id, _ = onboard_smart()
    clock = FakeClock()
    standin.faults = Faults(clock=clock)
    standin.faults.fail_with(503, seconds=30, retry_after=7)

    for _ in range(3):
        with pytest.raises(AxleTransientError) as caught:
            client.rewards_info(site_id=site_id)
        assert caught.value.retry_after == 7.0
    clock.now += 31

    assert client.rewards_info(site_id=site_id).can_withdraw is False


def test_a_path_prefix_limits_the_failure(standin):
    site_id, _ = onboard_smart()
    standin.faults.fail_with(500, count=5, path_prefix="/data/")

    with pytest.raises(AxleTransientError):
        client.send_readings(readings=[])
    assert client.rewards_info(site_id=site_id) is not None  # other paths answer normally


def test_a_timeout_that_drops_the_request(standin):
    _, asset_id = onboard_smart()
    standin.faults.time_out(count=1, sleep_s=1.0)  # the client waits 0.5 s

    with pytest.raises(AxleTransientError) as caught:
        client.intent(asset_id=asset_id, intent=INTENT)

    assert "did not answer in time" in str(caught.value)
    assert standin.state.assets[asset_id]["intent"] is None
    client.intent(asset_id=asset_id, intent=INTENT)  # the retry goes through
    assert standin.state.assets[asset_id]["intent"] is not None


def test_a_timeout_after_doing_the_work(standin):
    _, asset_id = onboard_smart()
    standin.faults.time_out(count=1, sleep_s=1.0, then="process")

    with pytest.raises(AxleTransientError):
        client.intent(asset_id=asset_id, intent=INTENT)

    # Axle stored it; only its answer was lost. The client's retry must be harmless.
    assert standin.state.assets[asset_id]["intent"]["energy_required_kwh"] == 30.0


def test_revoked_tokens_are_renewed_by_the_client(standin):
    site_id, _ = onboard_smart()
    [old_token] = standin.state.tokens

    assert control(standin.public_url, "faults/revoke-tokens").json() == {"revoked": 1}
    client.rewards_info(site_id=site_id)

    [new_token] = standin.state.tokens
    assert new_token != old_token
    assert [r["status"] for r in standin.state.requests][-3:] == [401, 200, 200]


@pytest.mark.parametrize(("kind", "transient"), [("transient", True), ("permanent", False)])
def test_readings_refused_on_purpose(standin, kind, transient):
    _, asset_id = onboard_smart()
    standin.faults.refuse_readings(count=1, kind=kind)
    readings = [
        {
            "asset_id": asset_id,
            "start_timestamp": START + timedelta(minutes=30 * i),
            "end_timestamp": START + timedelta(minutes=30 * (i + 1)),
            "value": 1.0,
            "label": "charger_consumption_energy_kwh",
        }
        for i in range(2)
    ]

    first, second = client.send_readings(readings=readings).verdicts

    assert first.accepted is False
    assert bool(_TRANSIENT_ERROR.search(first.error)) is transient  # as the platform's sender reads it
    assert second.accepted is True
    assert client.send_readings(readings=readings[:1]).verdicts[0].accepted is True  # resent: accepted now


def test_faults_are_set_seen_and_cleared_over_http(standin):
    url = standin.public_url

    control(url, "faults/error", {"status": 503, "count": 2, "path_prefix": "/rewards"})
    control(url, "faults/timeout", {"count": 1, "sleep_s": 0.1})
    control(url, "faults/readings", {"count": 3, "kind": "permanent"})
    described = control(url, "faults", method="GET").json()

    assert described["errors"][0] | {"seconds_left": None} == {
        "status": 503,
        "remaining": 2,
        "until": None,
        "path_prefix": "/rewards",
        "retry_after": None,
        "seconds_left": None,
    }
    assert described["timeouts"] == [{"remaining": 1, "sleep_s": 0.1, "path_prefix": "", "then": "drop"}]
    assert described["readings"] == [{"remaining": 3, "kind": "permanent"}]
    assert control(url, "faults/clear").json() == {"errors": [], "timeouts": [], "readings": []}


def test_control_endpoints_are_never_faulted(standin):
    standin.faults.fail_with(500, count=100)

    assert control(standin.public_url, "state", method="GET").status_code == 200
    assert control(standin.public_url, "faults/clear").status_code == 200


def test_a_bad_fault_request_is_422(standin):
    answer = control(standin.public_url, "faults/error", {"status": 404})

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "status"]
