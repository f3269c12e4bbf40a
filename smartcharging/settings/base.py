"""Settings shared by every environment, read from the environment with django-environ.

With no environment at all the project runs on a newcomer's laptop: SQLite, a local file cache and
Celery over kombu's filesystem transport (a real broker in a folder, not eager mode). DATABASE_URL,
REDIS_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis.
"""

import hashlib
from pathlib import Path

import django_stubs_ext
import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from smartcharging.email_delivery import email_url_settings
from smartcharging.log_secrets import library_levels

# Generic admin and form classes (ModelAdmin[Site]) are subscriptable at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"  # local runtime state for the embedded default: database, broker folders
VAR_DIR.mkdir(exist_ok=True)  # SQLite does not create the folder of its database file

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = DEBUG  # locally, static files change without collectstatic
# Only for local runs; production.py insists on DJANGO_SECRET_KEY.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Redoc's files, served as our own static files
    "accounts",
    "chargers",
    "smartcharging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before WhiteNoise: static files get the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- Content-Security-Policy (django-csp) ------------------------------------------------------------
# Every response: scripts, styles, images, fonts and requests from this site only, no inline script or
# style (our JS and CSS are files in static/; the charts' SVG is styled by class), nothing framed or
# embedded, forms post only here. A page that needs more says so on its own view, never here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "smartcharging.urls"
WSGI_APPLICATION = "smartcharging.wsgi.application"
ASGI_APPLICATION = "smartcharging.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smartcharging.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and gateway share one SQLite file locally: wait for locks instead of failing,
    # and take the write lock at BEGIN so two writers never deadlock on an upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our queries are short OLTP ones; PostgreSQL's JIT compiles any whose *estimated* cost is high
    # (the admin's readiness filters over 50,000 sites), spending more compiling than running them.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "smartcharging.cache.RedisCache", "LOCATION": REDIS_URL}  # Django's, one client per pool
        if REDIS_URL
        # Shared by every local process (web, worker), so the Axle token is fetched once.
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"  # homeowners; operators sign in at /admin/ as before
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
# --- E-mail (password resets) --------------------------------------------------------------------
# One URL names the backend and server, e.g. smtp+tls://user:password@smtp.example.com:587. Locally,
# without it, e-mails are printed to the console; production refuses that (settings/production.py).
# (`or`: an empty line copied from .env.example means the default too.)
vars().update(email_url_settings(env("EMAIL_URL", default="") or "consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="") or "Smart Charging <noreply@localhost>"
SERVER_EMAIL = env("SERVER_EMAIL", default="") or DEFAULT_FROM_EMAIL  # sender of Django's error reports

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # stored and processed in UTC; pages show each site's own timezone
USE_I18N = True
USE_TZ = True
# Default timezone for a new site: where the operator's customers live.
SITE_DEFAULT_TIMEZONE = env("SITE_DEFAULT_TIMEZONE", default="Europe/London")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Per OAuth2 client. A market re-optimisation pushes a schedule for every charger at once.
    "DEFAULT_THROTTLE_RATES": {"axle": env("AXLE_SCHEDULE_RATE", default="30000/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart Charging: the API Axle Energy calls",
    "DESCRIPTION": "Endpoints the platform exposes to Axle Energy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page runs Redoc from our own static files (no CDN; templates/drf_spectacular/redoc.html).
    "REDOC_DIST": "SIDECAR",
    # Locally the contract is open for the demo; production serves it to signed-in staff only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

OAUTH2_PROVIDER = {
    "SCOPES": {"schedules:write": "Push charging schedules for enrolled chargers"},
    # Only Axle's own applications may be granted schedules:write (it is their default); any other
    # application gets no scope at all (smartcharging/api/oauth.py).
    "SCOPES_BACKEND_CLASS": "smartcharging.api.oauth.AxleScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("AXLE_OAUTH_TOKEN_SECONDS", default=3600),
    # Axle only needs client credentials; adopt the OAuth 2.0 Security BCP (RFC 9700) everywhere.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Failed client authentications at /oauth/token/ and /oauth/revoke_token/: after this many, per
# client id or per client address (see TRUSTED_PROXY_COUNT), that client id or address waits out the cool-off.
OAUTH_TOKEN_MAX_FAILURES = env.int("OAUTH_TOKEN_MAX_FAILURES", default=10)
OAUTH_TOKEN_COOL_OFF_S = env.int("OAUTH_TOKEN_COOL_OFF_S", default=900)

# --- Celery -------------------------------------------------------------------------------------
# Locally: kombu's filesystem transport, so tasks really go through a broker to a separate worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """Transport options for kombu's filesystem broker in `folder`, creating what it expects to exist."""
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),  # one machine: producers and workers share a folder
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    filesystem_broker_options(VAR_DIR / "broker")
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # outcomes are rows in the database, not task results
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# With the broker down, queueing gives up quickly: the outbox row is safe and the sweep re-queues it.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_ROUTES = {
    "smartcharging.axle.*": {"queue": "axle"},
    "chargers.*": {"queue": "chargers"},
}
CELERY_TIMEZONE = "UTC"
# Every periodic job, in one place.
CELERY_BEAT_SCHEDULE = {
    # Re-queues events whose task was lost (Redis or the worker down) or whose backoff has passed.
    "sweep-axle-outbox": {"task": "smartcharging.axle.sweep_outbox", "schedule": 60.0},
    # Half-hourly readings: completed intervals become due at :00 and :30; running every five
    # minutes also retries refused batches and backfills after an outage.
    "send-half-hourly-readings": {"task": "smartcharging.axle.send_readings", "schedule": 300.0},
    # Schedules stored but not applied because their queued task was lost.
    "sweep-schedules": {"task": "chargers.sweep_schedules", "schedule": 60.0},
    # The safety net: plugged-in cars with no schedule from Axle, or one that would miss ready-by.
    "safety-net": {"task": "chargers.safety_net", "schedule": 60.0},
    # Migrations whose chain of batches stopped (a worker restarted mid-run) carry on.
    "sweep-migrations": {"task": "smartcharging.migration.sweep", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Secrets never reach the logs, whatever LOG_LEVEL says (smartcharging/log_secrets.py): libraries that
# log credentials are held above the level they do it at, and one handler, whose filter redacts
# credential shapes and configured secrets, writes every record. Django's own handlers (its console
# one when DEBUG, runserver's request lines) are dropped so nothing is printed around the filter.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "smartcharging.log_secrets.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},  # INFO as Django has it: its SQL at DEBUG holds session keys
        **library_levels(LOG_LEVEL),
    },
}

# --- Axle calling the platform -----------------------------------------------------------------
# When set, Axle's x-axle-sig header (HMAC-SHA256 of "{t}.{body}") is required on pushed schedules.
AXLE_WEBHOOK_SECRET = env("AXLE_WEBHOOK_SECRET", default="")
AXLE_SCHEDULE_MAX_BYTES = env.int("AXLE_SCHEDULE_MAX_BYTES", default=256 * 1024)

# --- Axle Energy (platform -> Axle) ---------------------------------------------------------------
AXLE_BASE_URL = env("AXLE_BASE_URL", default="http://127.0.0.1:8010")  # the local stand-in
AXLE_USERNAME = env("AXLE_USERNAME", default="platform@example.com")
AXLE_PASSWORD = env("AXLE_PASSWORD", default="local-stand-in-password")
AXLE_CONNECT_TIMEOUT_S = env.float("AXLE_CONNECT_TIMEOUT_S", default=5.0)
AXLE_READ_TIMEOUT_S = env.float("AXLE_READ_TIMEOUT_S", default=20.0)
# Axle's token lasts an hour and carries no expiry; renew it this long before the hour is up.
AXLE_TOKEN_LIFETIME_S = env.int("AXLE_TOKEN_LIFETIME_S", default=3600)
AXLE_TOKEN_RENEW_MARGIN_S = env.int("AXLE_TOKEN_RENEW_MARGIN_S", default=300)
# Outbox retries: exponential backoff with jitter from BASE to CAP seconds, then the event fails
# and waits for an admin. 30 attempts capped at 15 minutes ride out an Axle outage of about 6 hours.
AXLE_OUTBOX_MAX_ATTEMPTS = env.int("AXLE_OUTBOX_MAX_ATTEMPTS", default=30)
AXLE_OUTBOX_BACKOFF_BASE_S = env.float("AXLE_OUTBOX_BACKOFF_BASE_S", default=5.0)
AXLE_OUTBOX_BACKOFF_CAP_S = env.float("AXLE_OUTBOX_BACKOFF_CAP_S", default=900.0)
# How long a worker holds the events it is delivering; after that, another may take them over.
AXLE_OUTBOX_LEASE_S = env.int("AXLE_OUTBOX_LEASE_S", default=120)

# --- OCPP gateway (chargers connect to ws://OCPP_HOST:OCPP_PORT/ocpp/<charge point id>) ----------
OCPP_HOST = env("OCPP_HOST", default="127.0.0.1")
OCPP_PORT = env.int("OCPP_PORT", default=9000)
# Each gateway process needs its own id: commands for a charger go through the process holding it.
OCPP_GATEWAY_ID = env("OCPP_GATEWAY_ID", default="")  # empty: "<hostname>:<port>"
OCPP_HEARTBEAT_INTERVAL_S = env.int("OCPP_HEARTBEAT_INTERVAL_S", default=300)
OCPP_RESPONSE_TIMEOUT_S = env.float("OCPP_RESPONSE_TIMEOUT_S", default=30.0)
OCPP_COMMAND_POLL_S = env.float("OCPP_COMMAND_POLL_S", default=0.25)
OCPP_DB_THREADS = env.int("OCPP_DB_THREADS", default=16)

# --- OCPP: charger passwords (security profile 1; 2 behind a TLS terminator) ---------------------
# A charger with a password must present it with HTTP Basic. With this on, a charger without one is
# refused too (production: on; locally off, so the demo's simulated chargers connect as they are).
OCPP_REQUIRE_PASSWORD = env.bool("OCPP_REQUIRE_PASSWORD", default=False)
# The key charger passwords are HMAC'd with (chargers/charger_password.py), kept out of the database.
# Locally derived from SECRET_KEY; production requires its own (32+ characters).
local_pepper = hashlib.sha256(f"ocpp-password-pepper:{SECRET_KEY}".encode()).hexdigest()  # lower case: no setting
OCPP_PASSWORD_PEPPER = env("OCPP_PASSWORD_PEPPER", default="") or local_pepper
# Failed attempts (wrong or missing password, unknown id) before that charge point id, or the address
# it connects from, is refused for the cool-off (s), even with the right password; 0 per address: off.
OCPP_PASSWORD_FAILURES_PER_CHARGER = env.int("OCPP_PASSWORD_FAILURES_PER_CHARGER", default=5)
OCPP_PASSWORD_FAILURES_PER_ADDRESS = env.int("OCPP_PASSWORD_FAILURES_PER_ADDRESS", default=30)
OCPP_PASSWORD_COOL_OFF_S = env.int("OCPP_PASSWORD_COOL_OFF_S", default=900)
# Proxies of ours in front of the gateway that append the charger's address to X-Forwarded-For (an
# HTTP-aware TLS terminator: 1). 0: the peer's address. See docs/architecture.md, charger passwords.
OCPP_TRUSTED_PROXY_COUNT = env.int("OCPP_TRUSTED_PROXY_COUNT", default=0)

# --- Safety net -------------------------------------------------------------------------------------
# A Smart Charging car plugged in this long with no schedule from Axle gets the platform's own plan.
FALLBACK_AFTER_S = env.int("FALLBACK_AFTER_S", default=600)

# --- Local demo -----------------------------------------------------------------------------------
# The charger simulator's control API; when set, homeowner pages offer "plug the simulated car in".
DEMO_SIMULATOR_URL = env("DEMO_SIMULATOR_URL", default="")

# --- Migrating sites between Flex Lite and Smart Charging (Django admin) -----------------------
# Sites per background batch, and the pace of calls to Axle the batches keep to (each site costs
# about one call per charger plus one).
MIGRATION_BATCH_SITES = env.int("MIGRATION_BATCH_SITES", default=100)
MIGRATION_AXLE_CALLS_PER_S = env.float("MIGRATION_AXLE_CALLS_PER_S", default=5.0)
# How often a run with only answers left to wait for looks at them again.
MIGRATION_SETTLE_POLL_S = env.int("MIGRATION_SETTLE_POLL_S", default=10)
# A run whose next batch is this late lost its task (a worker restarted): the sweep resumes it.
MIGRATION_STALL_AFTER_S = env.int("MIGRATION_STALL_AFTER_S", default=120)

# --- Joining (the homeowner's join page) ------------------------------------------------------------
# The Axle proposition a new household joins: Smart Charging ("full_asset_schedule_control") or
# Flex Lite ("limited_pause"). Written out rather than imported: the models are not loaded yet.
NEW_USER_PROPOSITIONS = ("full_asset_schedule_control", "limited_pause")
NEW_USER_PROPOSITION = env("NEW_USER_PROPOSITION", default="full_asset_schedule_control")
if NEW_USER_PROPOSITION not in NEW_USER_PROPOSITIONS:
    raise ImproperlyConfigured(
        f"NEW_USER_PROPOSITION is {NEW_USER_PROPOSITION!r}; it must be one of Axle's propositions: "
        "full_asset_schedule_control (Smart Charging) or limited_pause (Flex Lite)."
    )

# --- Accounts: invitations ------------------------------------------------------------------------
# Days an invitation link works (once) after an operator makes it.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

# --- Accounts: sign-in and password-reset limits (accounts/attempts.py) ----------------------------
# Failed sign-ins (ours and Django admin's, counted together) before the account, or the client's
# address, must wait the cool-off (s); the right password is refused too while it waits.
SIGN_IN_FAILURES_PER_ACCOUNT = env.int("SIGN_IN_FAILURES_PER_ACCOUNT", default=5)
SIGN_IN_FAILURES_PER_ADDRESS = env.int("SIGN_IN_FAILURES_PER_ADDRESS", default=20)
SIGN_IN_COOL_OFF_S = env.int("SIGN_IN_COOL_OFF_S", default=900)
# Password-reset e-mails per address asked for, and requests per client address, per window (s).
PASSWORD_RESETS_PER_ACCOUNT = env.int("PASSWORD_RESETS_PER_ACCOUNT", default=5)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=20)
PASSWORD_RESET_WINDOW_S = env.int("PASSWORD_RESET_WINDOW_S", default=3600)
# Proxies of ours in front of the web process that append the client's address to X-Forwarded-For
# (a load balancer: 1). 0: the client's address is REMOTE_ADDR. Too low, and every client shares the
# proxy's address (and its limits); too high, and a client can choose the address it is counted as.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
