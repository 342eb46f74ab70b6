"""Production: base plus HTTPS hardening; DJANGO_SECRET_KEY is required (base refuses to start without it)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import _required, env

# Production takes its key from the environment only, never from a quickstart's var/secret_key.
_required("DJANGO_SECRET_KEY", env.str("DJANGO_SECRET_KEY", default=""))

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
