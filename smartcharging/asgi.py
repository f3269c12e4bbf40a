import os

from django.core.asgi import get_asgi_application

# Production unless named otherwise: a forgotten DJANGO_SETTINGS_MODULE refuses to start (manage.py says why).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.production")
application = get_asgi_application()
