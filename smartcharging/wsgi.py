import os

from django.core.wsgi import get_wsgi_application

# Production unless named otherwise: a forgotten DJANGO_SETTINGS_MODULE refuses to start (manage.py says why).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcharging.settings.production")
application = get_wsgi_application()
