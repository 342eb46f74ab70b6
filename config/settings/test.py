"""Tests: base with a fast hasher and no real network; DATABASE_URL/CELERY_BROKER_URL still choose the services."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# HTTP retries back off in tests too, but briefly.
MODELSYNC_HTTP_BACKOFF = 0.01
MODELSYNC_HTTP_DEADLINE = 10.0
MODELSYNC_HTTP_READ_TIMEOUT = 2.0
MODELSYNC_HTTP_CONNECT_TIMEOUT = 2.0
# live_server request threads must not keep connections open past a test (PostgreSQL drops the test database).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Test databases are migrated and flushed many times; tests that want the start-up setup call it.
MODELSYNC_AUTO_SETUP = env.bool("MODELSYNC_AUTO_SETUP", default=False)  # noqa: F405
