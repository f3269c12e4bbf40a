import re

import pytest

from tests.smartcharging.axle.conftest import axle, axle_settings, token_call  # noqa: F401 - shared fixtures
from tests.smartcharging.axle.fake_axle import BASE_URL
from tests.smartcharging.axle_standin.conftest import make_standin, standin  # noqa: F401 - the end-to-end test

SITE_CALL = re.compile(rf"{re.escape(BASE_URL)}/entities/site/(?P<site>[0-9a-f-]+)/(?P<action>enrol|unenrol)")
ASSET_EVENT = re.compile(rf"{re.escape(BASE_URL)}/entities/asset/[0-9a-f-]+/event/(tariff-update|plug-in)")


def enrol_answer(request):
    site_id = SITE_CALL.match(request.url)["site"]
    status = "enrolled" if request.url.endswith("/enrol") else "unenrolled"
    return 200, {}, f'{{"site_id": "{site_id}", "status": "{status}"}}'


@pytest.fixture
def axle_accepts(axle, token_call):  # noqa: F811 - the shared fixtures above
    """A fake Axle that accepts every enrolment, unenrolment, tariff and plug-in."""
    axle.add_callback("POST", SITE_CALL, callback=enrol_answer)
    axle.post(ASSET_EVENT, json={})
    return axle


@pytest.fixture(autouse=True)
def migration_settings(settings):
    settings.MIGRATION_BATCH_SITES = 100
    settings.MIGRATION_AXLE_CALLS_PER_S = 1000.0
    return settings
