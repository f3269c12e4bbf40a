"""Settings for the test suite: SQLite by default, PostgreSQL/Redis when the environment says so."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared in-memory database: that one locks whole tables and ignores the
    # busy timeout, so tests with a real worker or racing threads would fail for the wrong reason.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="smartcharging-test-db-")) / "test.sqlite3")
    }
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
if not env("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    # A broker folder of the test run's own, so a running local instance never sees test messages.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(  # noqa: F405
        Path(tempfile.mkdtemp(prefix="smartcharging-test-broker-"))
    )

# Serve static files from the apps' folders, so tests need no collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
