import importlib.util
import os

import pytest
from django.conf import settings as settings_module
from django.core.cache import cache
from hypothesis import settings

from smartcharging.axle import token
from smartcharging.services.apply_queue import APPLY_QUEUED

# No timed assertions: a slow example on a busy machine is not a failure.
settings.register_profile("smartcharging", deadline=None)
settings.load_profile("smartcharging")


@pytest.fixture(autouse=True)
def _fresh_axle_token():
    """No test may reuse another's Axle token from this process's short-lived copy."""
    token.forget_local_copy()
    yield
    token.forget_local_copy()


@pytest.fixture(autouse=True)
def _no_apply_task_flag():
    """No test may find another's "apply task queued" flag and so queue no task of its own.

    Only that key: the cache shares Redis with the broker in CI, and clearing it all would also
    drop the broker's queue bindings.
    """
    cache.delete(APPLY_QUEUED)


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


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine's network is closed: without these Chromium keeps trying Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = settings_module.BASE_DIR / "var" / "screenshots"  # git-ignored: to look at, never committed


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """Debian's Chromium driven by Playwright, for tests against pytest-django's live server."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Inside Playwright the test runs in another context, so Django gave it database connections of
        # its own: close them here, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()
