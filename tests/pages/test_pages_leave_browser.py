"""Moving out in a real browser, at a phone's width: rewards first, then the confirmation, then done.

Playwright drives Debian's Chromium against pytest-django's live server; Axle is faked at the HTTP
boundary (the live server runs in this process). The phone screenshot goes to var/screenshots/.
"""

import shutil
import uuid

import pytest
from django.conf import settings

from chargers.models import Site
from smartcharging.models import AxleEvent, EnrolmentStatus, EventKind, Proposition
from tests.conftest import PHONE, SCREENSHOTS
from tests.factories import AssetFactory, EnrolmentFactory, SiteFactory
from tests.smartcharging.axle import fake_axle

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test commits


def test_a_homeowner_moves_out_on_a_phone(live_server, browser, client, homeowner, axle, token_call, tmp_path):
    from playwright.sync_api import expect

    home = SiteFactory(
        household=homeowner.household,
        street_address="1 Acacia Avenue, London",
        axle_site_id=uuid.UUID(fake_axle.SITE_ID),
    )
    AssetFactory(site=home, axle_asset_id=uuid.UUID(fake_axle.ASSET_ID))
    EnrolmentFactory(site=home, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    axle.get(f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/info", json=fake_axle.REWARDS_INFO)
    axle.get(f"{fake_axle.BASE_URL}/rewards/{fake_axle.SITE_ID}/transactions", json=fake_axle.REWARDS_TRANSACTIONS)
    client.force_login(homeowner)
    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/homes/{home.pk}/move-out/")
    expect(page.get_by_text("£12.50")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw my balance")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot = tmp_path / "move-out.png"
    page.screenshot(path=str(shot), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SCREENSHOTS / "move-out.png")

    page.get_by_role("button", name="Move out of this home").click()
    expect(page.get_by_text("Tick the box to show you've read what happens.")).to_be_visible()
    page.get_by_label("I understand that my rewards can no longer be read or withdrawn afterwards.").check()
    page.get_by_label("Type the first line of the address").fill("1 Acacia Avenue")
    page.get_by_role("button", name="Move out of this home").click()
    expect(page.get_by_role("heading", name="You've moved out")).to_be_visible()
    assert Site.objects.get(pk=home.pk).household_id is None
    assert AxleEvent.objects.filter(site=home, kind=EventKind.OFFBOARD).count() == 1
