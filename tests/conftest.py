import pytest

from smartcharging.axle import token


@pytest.fixture(autouse=True)
def _fresh_axle_token():
    """No test may reuse another's Axle token from this process's short-lived copy."""
    token.forget_local_copy()
    yield
    token.forget_local_copy()
