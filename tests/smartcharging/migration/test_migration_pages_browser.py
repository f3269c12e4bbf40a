"""The migration as an admin clicks through it in a real browser: sites list, confirmation, progress.

Playwright drives Debian's Chromium against pytest-django's live server. Batches and deliveries are
run by the test itself (nothing runs them in tests), against the fake Axle. Screenshots at a phone
and a desktop width go to the test's temporary folder, and two of them to var/screenshots/ to look at.
"""

import re
import shutil

import pytest

from accounts.models import User
from smartcharging.models import MigrationRun, RunState
from smartcharging.services.delivery import site_events_deliver
from smartcharging.services.migration_batches import migration_batch
from tests.conftest import PHONE, SCREENSHOTS
from tests.smartcharging.migration.builders import ready_site, smart_charging_site

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test commits

DESKTOP = {"width": 1280, "height": 900}
PASSPHRASE = "admin-passphrase-123"


def screenshots(page, folder, name):
    """The page in full at a desktop and a phone width (and dark at desktop); returns the files."""
    shots = {}
    for label, viewport, scheme in (
        ("desktop", DESKTOP, "light"),
        ("phone", PHONE, "light"),
        ("dark", DESKTOP, "dark"),
    ):
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        shots[label] = folder / f"{name}-{label}.png"
        page.screenshot(path=str(shots[label]), full_page=True)
        # Nothing wider than the screen: a wide table scrolls inside its own box, not the whole page.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], f"{name} at {label}"
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="light")
    return shots


def test_an_admin_migrates_the_ready_sites_and_follows_the_progress(live_server, browser, axle_accepts, tmp_path):
    from playwright.sync_api import expect

    User.objects.create_superuser("ops@operator.example", PASSPHRASE)
    ready = [ready_site(), ready_site()]
    smart_charging_site()

    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/chargers/site/")
    page.fill("#id_username", "ops@operator.example")
    page.fill("#id_password", PASSPHRASE)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/chargers/site/$"))

    page.locator("#changelist-filter").get_by_role("link", name="Ready", exact=True).click()
    expect(page).to_have_url(re.compile(r"readiness=ready"))
    page.check("#action-toggle")
    page.select_option("select[name=action]", label="Migrate to Smart Charging… (shows what will happen first)")
    page.get_by_role("button", name="Go").click()

    run = MigrationRun.objects.get()
    expect(page).to_have_url(re.compile(rf"/admin/smartcharging/migrationrun/{run.pk}/change/$"))
    content = page.locator("#content-main")
    expect(content).to_contain_text("What will happen")
    expect(content).to_contain_text("Already on Smart Charging: nothing to do.")
    start = page.get_by_role("button", name="Start: migrate 2 site(s)")
    expect(start).to_be_enabled()
    expect(page.locator("input[name=dry_run]")).not_to_be_checked()
    expect(page.locator("input[name=override_withdrawal]")).not_to_be_checked()
    confirmation = screenshots(page, tmp_path, "confirmation")

    start.click()
    expect(page.locator(".messagelist")).to_contain_text("started; this page follows its progress.")
    expect(content).to_contain_text("33% settled · this page refreshes every 5 seconds")  # the skipped third
    run.refresh_from_db()
    assert (run.state, run.dry_run, run.override_withdrawal) == (RunState.RUNNING, False, False)

    migration_batch(run_id=run.pk)
    page.reload()
    expect(content).to_contain_text("Enrol in a proposition: waiting to be delivered")
    for site in ready:
        site_events_deliver(site_id=site.pk)
    migration_batch(run_id=run.pk)
    page.reload()
    expect(content).to_contain_text("100% settled")
    expect(page.locator("progress.run-progress")).to_have_attribute("value", "100")
    expect(page.locator("#run-items td.state-done")).to_have_count(2)
    expect(page.locator("#run-items td.state-done").first).to_have_text("Done")
    expect(content).to_contain_text("Enrol in a proposition: delivered")
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)  # finished: nothing left to follow
    progress = screenshots(page, tmp_path, "progress")
    run.refresh_from_db()
    assert run.state == RunState.FINISHED

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(confirmation["phone"], SCREENSHOTS / "migration-confirmation-phone.png")
    shutil.copy(progress["desktop"], SCREENSHOTS / "migration-progress-desktop.png")
