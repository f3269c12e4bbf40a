import importlib.util
import os

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


CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium: Playwright's own browser downloads are not used


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium for the browser tests: skipped without it, unless REQUIRE_BROWSER=1 (CI) says fail."""
    required = os.environ.get("REQUIRE_BROWSER") == "1"
    lacking = []
    if importlib.util.find_spec("playwright") is None:
        lacking.append("the playwright package is not installed (make install)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        lacking.append(f"Chromium is not at {CHROMIUM} (apt-get install chromium)")
    if lacking:
        reason = "Browser test: " + "; ".join(lacking) + "."
        if required:
            pytest.fail(reason + " REQUIRE_BROWSER=1 is set, so this is a failure, not a skip.", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM
