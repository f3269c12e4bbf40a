import logging
import uuid

import pytest

from smartcharging.rewards import RewardsUnavailable, rewards_for_site, withdrawal_link
from tests.factories import SiteFactory
from tests.smartcharging.axle import fake_axle

pytestmark = pytest.mark.django_db
INFO_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/info"
TRANSACTIONS_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/transactions"
BALANCE_URL = f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/url/balance"


@pytest.fixture
def site():
    return SiteFactory(axle_site_id=uuid.UUID(fake_axle.SITE_ID))


def test_rewards_are_fetched_once_then_served_from_the_cache(site, axle, token_call):
    info = axle.get(INFO_URL, json=fake_axle.REWARDS_INFO)
    transactions = axle.get(TRANSACTIONS_URL, json=fake_axle.REWARDS_TRANSACTIONS)
    first = rewards_for_site(site)
    second = rewards_for_site(site)
    assert first == second
    assert first.info.current_balance_pence == fake_axle.REWARDS_INFO["current_balance_pence"]
    assert len(first.transactions.transactions) == len(fake_axle.REWARDS_TRANSACTIONS["transactions"])
    assert (info.call_count, transactions.call_count) == (1, 1)


def test_axle_down_gives_a_plain_message(site, axle, token_call):
    axle.get(INFO_URL, status=503, json={"detail": "Service Unavailable"})
    with pytest.raises(RewardsUnavailable, match=r"cannot be shown right now\. Nothing is lost"):
        rewards_for_site(site)


def test_site_not_yet_at_axle_has_no_rewards_yet():
    with pytest.raises(RewardsUnavailable, match="once your home has joined"):
        rewards_for_site(SiteFactory())


def test_withdrawal_link_is_fetched_each_time_and_never_logged(site, axle, token_call, caplog):
    caplog.set_level(logging.DEBUG)
    balance = axle.get(BALANCE_URL, json=fake_axle.WITHDRAWAL_ANSWER)
    for _ in range(2):
        assert withdrawal_link(site, redirect_uri="https://app.example/rewards") == fake_axle.WITHDRAWAL_URL
    assert balance.call_count == 2
    assert fake_axle.WITHDRAWAL_URL not in caplog.text
