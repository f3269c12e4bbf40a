import pytest
from hypothesis import settings

from smartcharging.axle import token

# No timed assertions: a slow example on a busy machine is not a failure.
settings.register_profile("smartcharging", deadline=None)
settings.load_profile("smartcharging")


@pytest.fixture(autouse=True)
def _fresh_axle_token():
    """No test may reuse another's Axle token from this process's short-lived copy."""
    token.forget_local_copy()
    yield
    token.forget_local_copy()
