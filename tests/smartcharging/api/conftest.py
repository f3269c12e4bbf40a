import base64
import copy
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from smartcharging.api.docs import AXLE_EXAMPLE_PROFILE
from smartcharging.models import EnrolmentStatus, Proposition
from smartcharging.services.axle_client_app import axle_client_issue
from tests.factories import AssetFactory, EnrolmentFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    cache.clear()  # request counts for the rate limit live in the cache
    yield
    cache.clear()


@pytest.fixture
def axle_credentials(db):
    return axle_client_issue()


@pytest.fixture
def axle_token(axle_credentials):
    """A real token from the toolkit's own token endpoint, as Axle gets it."""
    basic = base64.b64encode(f"{axle_credentials.client_id}:{axle_credentials.client_secret}".encode()).decode()
    response = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "schedules:write"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def axle_api(axle_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {axle_token}")
    return client


@pytest.fixture
def token_without_scope(axle_credentials):
    application = Application.objects.get(client_id=axle_credentials.client_id)
    AccessToken.objects.create(
        application=application, token="no-schedules-scope", scope="read", expires=timezone.now() + timedelta(hours=1)
    )
    return "no-schedules-scope"


@pytest.fixture
def smart_asset(db):
    asset = AssetFactory(axle_asset_id=uuid.uuid4(), rated_power_kw="7.4", phases=1)
    EnrolmentFactory(site=asset.site, proposition=Proposition.SMART_CHARGING, status=EnrolmentStatus.ENROLLED)
    return asset


@pytest.fixture
def profile():
    """Axle's documented example, exactly as Axle sends it."""
    return copy.deepcopy(AXLE_EXAMPLE_PROFILE)


def url(asset, *, external=False):
    if external:
        return f"/api/axle/v1/assets/{asset.external_id}/charging-profile?asset_id_is_external=true"
    return f"/api/axle/v1/assets/{asset.axle_asset_id}/charging-profile"
