"""Production: no defaults for secrets or hosts, HTTPS everywhere, `manage.py check --deploy` clean."""

from email.utils import parseaddr

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from smartcharging.email_delivery import EMAIL_URL_EXAMPLE, email_url_settings, undelivered_reason

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# No fallback: production refuses to start without its own secret and host list. manage.py, wsgi, asgi
# and Celery default to these settings, so the first refusal also says how to run locally.
if not env.str("DJANGO_SECRET_KEY", default=""):
    raise ImproperlyConfigured(
        "Set the DJANGO_SECRET_KEY environment variable: these are the production settings, the default for "
        "manage.py, wsgi, asgi and Celery. To run locally, name the local settings: "
        "DJANGO_SETTINGS_MODULE=smartcharging.settings.base (the Makefile does)."
    )
SECRET_KEY = env("DJANGO_SECRET_KEY")
AXLE_BASE_URL = env("AXLE_BASE_URL")  # sandbox or production; never the local default
AXLE_USERNAME = env("AXLE_USERNAME")
AXLE_PASSWORD = env("AXLE_PASSWORD")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("local-only"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of at least 50 characters.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this site is served on.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sign-in, password reset and Axle's token count failures per client address. Behind a load balancer
# every request comes from its address, so a count left at 0 would let one guesser lock every caller
# out: production must say how many proxies of ours stand in front (0 if none).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies of ours in front of the web (0 or more).")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# PostgreSQL and Redis are required: rows are the truth and every process must share the token cache.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env("REDIS_URL")
CACHES = {"default": {"BACKEND": "smartcharging.cache.RedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- E-mail: password-reset links are credentials; they must reach the homeowner's inbox -------------
if not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        f"Set the EMAIL_URL environment variable to the mail server password-reset e-mails go through, "
        f"e.g. {EMAIL_URL_EXAMPLE}."
    )
mail = email_url_settings(env("EMAIL_URL"))
vars().update(mail)  # lower case: not a setting of its own (it holds the password)
if reason := undelivered_reason(str(mail["EMAIL_BACKEND"])):
    raise ImproperlyConfigured(f"EMAIL_URL: {reason}; production needs a mail server, e.g. {EMAIL_URL_EXAMPLE}.")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")  # e.g. Smart Charging <noreply@charging.example.com>
SERVER_EMAIL = env("SERVER_EMAIL", default="") or DEFAULT_FROM_EMAIL
for name, address in (("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL), ("SERVER_EMAIL", SERVER_EMAIL)):
    try:
        validate_email(parseaddr(address)[1])
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} is {address!r}: it must be an e-mail address, e.g. Smart Charging <noreply@charging.example.com>."
        ) from None

# --- OCPP: every charger presents its password; the key its digests are made with is production's own --
# (An empty line copied from .env.example means the default, not false.)
OCPP_REQUIRE_PASSWORD = env.bool("OCPP_REQUIRE_PASSWORD") if env.str("OCPP_REQUIRE_PASSWORD", default="") else True
OCPP_PASSWORD_PEPPER = env.str("OCPP_PASSWORD_PEPPER", default="")
if len(OCPP_PASSWORD_PEPPER) < 32 or OCPP_PASSWORD_PEPPER == SECRET_KEY:
    raise ImproperlyConfigured(
        "Set OCPP_PASSWORD_PEPPER to a random string of at least 32 characters, other than DJANGO_SECRET_KEY "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'): chargers' passwords are kept as "
        "HMACs under it. Changing it later means giving every charger a new password."
    )

# --- API docs and schema (/api/docs/, /api/schema/): staff signed in to the admin only --------------
# Locally they are open for the demo; here the contract is not published to anyone who asks.
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,  # noqa: F405
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
}
