"""WSGI entry point for gunicorn (and runserver, through WSGI_APPLICATION)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# A web process started with a new LITELLM_PROXY_URL / OPENROUTER_ENABLED has its source in admin at once.
from modelsync.startup import ensure_before_serving  # noqa: E402  (needs the app registry loaded above)

ensure_before_serving()
