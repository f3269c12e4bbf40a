"""The Content-Security-Policy in a real browser: the homeowner pages, the admin and the API docs load
and work without the browser refusing anything, and still look right (screenshots in var/screenshots/).

Playwright drives Debian's Chromium against pytest-django's live server. A refused script, style or
image shows both as a console error and as a `securitypolicyviolation` event; the test collects both.
"""

import datetime as dt
import shutil

import pytest
from django.conf import settings
from django.utils import timezone

from smartcharging.models import MigrationDirection, MigrationRun
from tests.conftest import PHONE, SCREENSHOTS
from tests.factories import AssetFactory, ChargingIntentFactory, SiteFactory, TariffFactory, UserFactory
from tests.pages.builders import axle_example_schedule, charger_state

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test commits

# Recorded in the page before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def signed_in_page(browser, client, live_server, user, viewport):
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    return page, console


def visit(page, console, url, *, ready, shot, tmp_path):
    """Open `url`, wait for `ready` (a locator's text) and keep a screenshot; return what was refused."""
    from playwright.sync_api import expect

    console.clear()
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text(ready).first).to_be_visible(timeout=15_000)
    page.wait_for_load_state("networkidle")
    path = tmp_path / shot
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / shot)
    refused = page.evaluate("window.__csp")
    refused += [line for line in console if "Content Security Policy" in line]
    return refused


@pytest.fixture
def ann(db):
    return UserFactory(email="ann@example.com")


@pytest.fixture
def plan_asset(ann):
    """Ann's charger, plugged in, with Axle's example schedule running now."""
    site = SiteFactory(household=ann.household)
    asset = AssetFactory(site=site)
    TariffFactory(site=site, off_peak_windows="23:30-05:30")
    ChargingIntentFactory(asset=asset, energy_required_kwh=30, ready_by_local_time=dt.time(7))
    charger_state(asset, status="SuspendedEVSE")
    axle_example_schedule(asset, start=timezone.now() - dt.timedelta(hours=1))
    return asset


def test_homeowner_pages_load_without_a_refusal(live_server, browser, client, ann, plan_asset, tmp_path):
    page, console = signed_in_page(browser, client, live_server, ann, PHONE)
    pages = [
        ("/", "Smart Charging", "csp-home.png"),
        (f"/chargers/{plan_asset.pk}/plan/", "Charging", "csp-plan.png"),
        (f"/chargers/{plan_asset.pk}/needs/", "Ready by", "csp-needs.png"),
    ]
    for path, ready, shot in pages:
        assert visit(page, console, live_server.url + path, ready=ready, shot=shot, tmp_path=tmp_path) == [], path
    # The scripts ran: the page is marked scripted (static/js/has-js.js, not an inline script).
    assert "js" in page.evaluate("document.documentElement.className")


def test_sign_in_page_loads_without_a_refusal(live_server, browser, tmp_path):
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    url = f"{live_server.url}/accounts/sign-in/"
    assert visit(page, console, url, ready="Sign in", shot="csp-sign-in.png", tmp_path=tmp_path) == []


def test_admin_pages_load_without_a_refusal(live_server, browser, client, plan_asset, tmp_path):
    operator = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    page, console = signed_in_page(browser, client, live_server, operator, {"width": 1280, "height": 900})
    site = plan_asset.site
    run = MigrationRun.objects.create(direction=MigrationDirection.TO_SMART_CHARGING, created_by=operator)
    pages = [
        ("/admin/", "Sites, chargers, Axle and migrations", "csp-admin-index.png"),
        ("/admin/chargers/site/", "Select site to change", "csp-admin-sites.png"),
        (f"/admin/chargers/site/{site.pk}/change/", "Change site", "csp-admin-site.png"),
        ("/admin/accounts/user/add/", "Add user", "csp-admin-user-add.png"),
        (f"/admin/smartcharging/migrationrun/{run.pk}/change/", "Flex Lite to Smart Charging", "csp-admin-run.png"),
    ]
    for path, ready, shot in pages:
        assert visit(page, console, live_server.url + path, ready=ready, shot=shot, tmp_path=tmp_path) == [], path
    # Our stylesheet for the run page applies (it was an inline <style> block).
    assert page.locator(".run-facts").evaluate("e => getComputedStyle(e).display") == "grid"


def test_api_docs_load_from_our_own_files_without_a_refusal(live_server, browser, client, tmp_path):
    operator = UserFactory(email="ops@example.com", is_staff=True)
    page, console = signed_in_page(browser, client, live_server, operator, {"width": 1280, "height": 900})
    fetched_elsewhere = []  # requests that went out and were answered (a refused one never finishes)
    page.on(
        "requestfinished",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "blob:", "data:"))
            else fetched_elsewhere.append(request.url)
        ),
    )
    url = f"{live_server.url}/api/docs/"
    refused = visit(
        page,
        console,
        url,
        ready="Smart Charging: the API Axle Energy calls",
        shot="csp-api-docs.png",
        tmp_path=tmp_path,
    )
    # Redoc's "API docs by Redocly" badge always asks its CDN for a logo; the policy refuses it, as meant,
    # and Redoc drops the broken image. Nothing else may be refused.
    assert [line for line in refused if "cdn.redoc.ly/redoc/logo-mini.svg" not in line] == []
    assert fetched_elsewhere == []  # no CDN, no web fonts: everything from this site
