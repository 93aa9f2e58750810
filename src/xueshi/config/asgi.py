"""ASGI entry point, kept for completeness; production serves WSGI (docs/adr/0002-stack.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueshi.config.settings")

application = get_asgi_application()
