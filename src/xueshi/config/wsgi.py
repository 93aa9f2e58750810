"""WSGI entry point (serve Django as WSGI: it was 3-4x faster than ASGI here)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueshi.config.settings")

application = get_wsgi_application()
