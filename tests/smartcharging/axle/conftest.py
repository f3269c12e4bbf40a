import pytest
import responses
from django.core.cache import cache

from tests.smartcharging.axle import fake_axle


@pytest.fixture(autouse=True)
def axle_settings(settings):
    settings.AXLE_BASE_URL = fake_axle.BASE_URL
    settings.AXLE_USERNAME = fake_axle.USERNAME
    settings.AXLE_PASSWORD = fake_axle.PASSWORD
    settings.AXLE_CONNECT_TIMEOUT_S = fake_axle.CONNECT_TIMEOUT_S
    settings.AXLE_READ_TIMEOUT_S = fake_axle.READ_TIMEOUT_S
    settings.AXLE_TOKEN_LIFETIME_S = 3600
    settings.AXLE_TOKEN_RENEW_MARGIN_S = 300
    # The token is shared through the cache: no test may inherit another's.
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def axle():
    """Fake Axle at the HTTP boundary; any request it was not told about fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def token_call(axle):
    """Axle's token endpoint, answering the one documented shape."""
    return axle.post(fake_axle.TOKEN_URL, json=fake_axle.TOKEN_ANSWER)
