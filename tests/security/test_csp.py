"""Content-Security-Policy: on every page, with no inline script anywhere, and the API docs served from our
own static files (relaxed for their styles only, on their own view)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from smartcharging.models import MigrationDirection, MigrationRun
from tests.factories import AssetFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)


@pytest.fixture
def ann():
    return UserFactory(email="ann@example.com")


@pytest.fixture
def operator():
    return UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)


def homeowner_paths(ann):
    asset = AssetFactory(site=SiteFactory(household=ann.household))
    return ["/", f"/chargers/{asset.pk}/plan/", f"/chargers/{asset.pk}/needs/", f"/homes/{asset.site.pk}/tariff/"]


def test_homeowner_pages_have_the_strict_policy_and_no_inline_script(client, ann):
    paths = homeowner_paths(ann)
    client.force_login(ann)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response) == STRICT, path
        assert not INLINE_SCRIPT.search(response.content.decode()), path


@pytest.mark.parametrize(
    "path", ["/", "/accounts/sign-in/", "/accounts/password-reset/", "/admin/login/", "/no-such-page/", "/healthz"]
)
def test_pages_for_anyone_have_the_strict_policy(client, path):
    response = client.get(path)
    assert policy(response) == STRICT
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_admin_pages_have_the_strict_policy(client, operator):
    run = MigrationRun.objects.create(direction=MigrationDirection.TO_SMART_CHARGING, created_by=operator)
    client.force_login(operator)
    for path in [
        "/admin/",
        "/admin/chargers/site/",
        "/admin/chargers/site/add/",
        f"/admin/smartcharging/migrationrun/{run.pk}/change/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response) == STRICT, path


def test_the_api_docs_run_redoc_from_our_static_files_with_only_the_styles_relaxed(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"></script>' in html
    assert not re.search(r"https?://", html), "no CDN, no web fonts"
    assert not INLINE_SCRIPT.search(html)
    relaxed = STRICT | {
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "worker-src": ["blob:"],
    }
    assert policy(response) == relaxed
    assert client.get("/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js").status_code == 200


def test_the_schema_has_the_strict_policy(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert policy(response) == STRICT


def templates():
    """Every template of ours: the project's folder and each app's."""
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in ("accounts", "chargers", "smartcharging"))]
    return sorted(path for folder in folders if folder.exists() for path in folder.rglob("*.html"))


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("an inline <script>", INLINE_SCRIPT),
        ("an inline event handler (onclick=...)", re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)),
        ("a javascript: URL", re.compile(r"javascript:", re.I)),
        ("an inline <style> block", re.compile(r"<style\b", re.I)),
        ("an inline style= attribute", re.compile(r"<[^>]*\sstyle\s*=", re.I)),
    ],
)
def test_no_template_has(what, pattern):
    found = templates()
    assert len(found) > 30  # the search looks where the templates are
    offenders = [str(path.relative_to(ROOT)) for path in found if pattern.search(path.read_text())]
    assert offenders == [], f"{what}, which the Content-Security-Policy refuses, in: {offenders}"
