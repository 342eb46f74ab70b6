"""Every setting, read from the environment with a production-safe default (see .env.example)."""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _Env(environ.Env):
    """django-environ, but a malformed value stops start-up with a line naming the variable."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var} has an invalid value ({exc}); see .env.example.") from None


env = _Env()
VAR_DIR = Path(env.str("MODELSYNC_VAR_DIR", default=str(BASE_DIR / "var")))


def _required(name: str, value: str) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: export {name} (see .env.example).")
    return value


# --- Core ------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Development may run without a key; production refuses to start without one.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and (VAR_DIR / "secret_key").is_file():
    # The key `make run` made and keeps with its data: manage.py in another shell reaches the same install.
    SECRET_KEY = (VAR_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        _required("DJANGO_SECRET_KEY", SECRET_KEY)
    SECRET_KEY = "insecure-development-only-key"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files: the docs work offline
    "django_celery_beat",
    "catalog",
    "modelsync",
]

MIDDLEWARE = [
    "config.metrics.request_metrics",  # first: its latency covers every other middleware too
    "django.middleware.security.SecurityMiddleware",
    "catalog.api.errors.api_body_limit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "catalog.middleware.AdminDatabaseUnavailable",  # admin's 503 page while the database is down
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: cached list pages without DRF's per-request work, only when DRF would answer the same (SPEC §9).
    "catalog.api.caching.catalog_list_cache",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database --------------------------------------------------------------------------------
# The embedded default is SQLite under MODELSYNC_VAR_DIR; production points DATABASE_URL at PostgreSQL.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'modelsync.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout waits out a writer.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Fail fast when PostgreSQL hangs (config/database.py, README "When things fail"): every process connects within
# the connect timeout (psycopg's minimum is 2 s); the web process's statements get the statement timeout (0 = none),
# workers' long syncs none; after a failed connection or an unanswered one, new connections fail at once for
# MODELSYNC_DB_RETRY_AFTER seconds. The defaults keep a stale answer within 3 s of the database hanging.
MODELSYNC_DB_CONNECT_TIMEOUT = env.int("MODELSYNC_DB_CONNECT_TIMEOUT", default=2)
MODELSYNC_DB_STATEMENT_TIMEOUT = env.float("MODELSYNC_DB_STATEMENT_TIMEOUT", default=5.0)
MODELSYNC_DB_RETRY_AFTER = env.float("MODELSYNC_DB_RETRY_AFTER", default=5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"  # Django's backend with those limits
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": MODELSYNC_DB_CONNECT_TIMEOUT,
                                       **DATABASES["default"].get("OPTIONS", {})}  # fmt: skip

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "modelsync"}}

# --- Auth, i18n, static ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security (production defaults; DEBUG relaxes nothing here on purpose) ---------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: one line per event, never a secret ---------------------------------------------
# MODELSYNC_LOG_FORMAT=json: one JSON object per line, with the event's fields (a sync run's id, source, status and
# counters; a request error's status code) as keys, for a log pipeline to index.
LOG_FORMAT = env.str("MODELSYNC_LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"MODELSYNC_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}; see .env.example.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_default": str,  # a request object in an error's extra becomes its repr, never a failure
        },
    },
    # A private feed URL's token never reaches a log line (issue #27): the filter sits on the one handler, so it sees
    # every record, whichever logger wrote it.
    "filters": {"redact_url_secrets": {"()": "config.logs.RedactUrlSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact_url_secrets"]}
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "urllib3": {"level": "WARNING"},
        # runserver's request lines (with the query string) through the filtered handler, not Django's own.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Celery ----------------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: a broker that needs no server.
# https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# Seconds a broker connect, read or write may take. Kept above the worker's 1 s Redis poll; see "When things fail".
CELERY_BROKER_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
# One attempt, no retry loop: redis-py already reconnects a connection the broker dropped, and a trigger must answer
# within about CELERY_BROKER_TIMEOUT when the broker is down (modelsync.sync.runs records the run as failed).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # broadcast (inspect/ping); the default is ./control
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the sync lock lease, so a message is never redelivered while its run may still hold the lock.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A broker that refuses or hangs fails a publish within this, instead of blocking a request for good.
        "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
        "socket_timeout": CELERY_BROKER_TIMEOUT,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With JSON logs the worker keeps Django's LOGGING (Celery would otherwise install its own plain handler).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# soft < hard < MODELSYNC_LOCK_LEASE < visibility timeout (asserted in tests/modelsync/sync/test_tasks.py): a run is
# stopped before its lock can lapse, and the broker never hands its message to a second worker meanwhile.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# Beat reads its schedule from the database (staff edit it in admin) and re-checks it at least this often (seconds).
# https://django-celery-beat.readthedocs.io/en/latest/#database-scheduler
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("CELERY_BEAT_MAX_LOOP_INTERVAL", default=5)

# --- Sources (created from the environment at start-up) --------------------------------------
LITELLM_PROXY_URL = env.str("LITELLM_PROXY_URL", default="")  # empty = no litellm source
OPENROUTER_ENABLED = env.bool("OPENROUTER_ENABLED", default=False)
OPENROUTER_BASE_URL = env.str("OPENROUTER_BASE_URL", default="https://openrouter.ai/api/v1")
# Whether clients call models through OpenRouter; false makes it describe (enrich) the gateway's models only.
OPENROUTER_CALLABLE = env.bool("OPENROUTER_CALLABLE", default=True)
# LiteLLM's cost map as a descriptive source (`costmap`): from the installed litellm package, or COSTMAP_PATH.
COSTMAP_ENABLED = env.bool("COSTMAP_ENABLED", default=False)
COSTMAP_PATH = env.str("COSTMAP_PATH", default="")
# Keys are read from the environment at call time by the *name* stored on the Source
# (LITELLM_API_KEY, OPENROUTER_API_KEY); they are never settings, rows or task arguments.

# --- Sync engine (SPEC §6): every guard has a setting and a tested default ---------------------
MODELSYNC_SYNC_INTERVAL = env.int("MODELSYNC_SYNC_INTERVAL", default=900)
# Every `migrate` creates/updates the environment's sources and the periodic sync (tests turn it off).
MODELSYNC_AUTO_SETUP = env.bool("MODELSYNC_AUTO_SETUP", default=True)
MODELSYNC_MISS_THRESHOLD = env.int("MODELSYNC_MISS_THRESHOLD", default=3)
MODELSYNC_MAX_DEACTIVATE_FRACTION = env.float("MODELSYNC_MAX_DEACTIVATE_FRACTION", default=0.2)
MODELSYNC_MAX_INVALID_FRACTION = env.float("MODELSYNC_MAX_INVALID_FRACTION", default=0.1)
MODELSYNC_HTTP_CONNECT_TIMEOUT = env.float("MODELSYNC_HTTP_CONNECT_TIMEOUT", default=5.0)
MODELSYNC_HTTP_READ_TIMEOUT = env.float("MODELSYNC_HTTP_READ_TIMEOUT", default=30.0)
MODELSYNC_HTTP_DEADLINE = env.float("MODELSYNC_HTTP_DEADLINE", default=120.0)
MODELSYNC_HTTP_RETRIES = env.int("MODELSYNC_HTTP_RETRIES", default=3)
MODELSYNC_HTTP_BACKOFF = env.float("MODELSYNC_HTTP_BACKOFF", default=0.5)
MODELSYNC_HTTP_MAX_RETRY_AFTER = env.float("MODELSYNC_HTTP_MAX_RETRY_AFTER", default=30.0)
MODELSYNC_MAX_RESPONSE_BYTES = env.int("MODELSYNC_MAX_RESPONSE_BYTES", default=64 * 1024 * 1024)
MODELSYNC_LOCK_LEASE = env.int("MODELSYNC_LOCK_LEASE", default=600)
MODELSYNC_UNHEALTHY_AFTER_FAILURES = env.int("MODELSYNC_UNHEALTHY_AFTER_FAILURES", default=3)
# Webhooks (README "Following changes"). Attempt n waits RETRY_BASE * 2**(n-1) seconds after a failed one.
MODELSYNC_WEBHOOK_TIMEOUT = env.float("MODELSYNC_WEBHOOK_TIMEOUT", default=5.0)
MODELSYNC_WEBHOOK_MAX_ATTEMPTS = env.int("MODELSYNC_WEBHOOK_MAX_ATTEMPTS", default=6)
MODELSYNC_WEBHOOK_RETRY_BASE_SECONDS = env.float("MODELSYNC_WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
MODELSYNC_WEBHOOK_DISABLE_AFTER = env.int("MODELSYNC_WEBHOOK_DISABLE_AFTER", default=20)
MODELSYNC_WEBHOOK_DRAIN_INTERVAL = env.int("MODELSYNC_WEBHOOK_DRAIN_INTERVAL", default=60)
# Hours a rotated-out webhook secret keeps signing beside the new one, unless staff retire it sooner (admin).
MODELSYNC_WEBHOOK_ROTATION_HOURS = env.float("MODELSYNC_WEBHOOK_ROTATION_HOURS", default=24.0)
# Loopback, private, link-local and reserved addresses are refused as webhook targets (SSRF) unless this is set.
MODELSYNC_WEBHOOK_ALLOW_PRIVATE = env.bool("MODELSYNC_WEBHOOK_ALLOW_PRIVATE", default=False)
# Retirement warnings (README "Following changes"): `model.retiring` once per model this many days before its date,
# each lead time once; `model.retired` on the day itself.


def _lead_days(name: str, values: list[str]) -> tuple[int, ...]:
    """Whole days ahead, each > 0 and said once; largest first."""
    try:
        days = [int(value) for value in values]
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be whole numbers of days, e.g. 90,30,7,1; see .env.example.") from None
    if not days or min(days) < 1 or len(set(days)) != len(days):
        raise ImproperlyConfigured(f"{name} must list distinct days above 0, e.g. 90,30,7,1; see .env.example.")
    return tuple(sorted(days, reverse=True))


MODELSYNC_RETIREMENT_LEAD_DAYS = _lead_days(
    "MODELSYNC_RETIREMENT_LEAD_DAYS", env.list("MODELSYNC_RETIREMENT_LEAD_DAYS", default=["90", "30", "7", "1"])
)
# Glob patterns (on the model name) that mark a model recommended, e.g. "gpt-4o*,claude-*-sonnet*".
MODELSYNC_RECOMMENDED_PATTERNS = env.list("MODELSYNC_RECOMMENDED_PATTERNS", default=[])
# A JSON catalog for the `static` source; empty = the snapshot shipped in modelsync/static_catalog/.
MODELSYNC_STATIC_CATALOG_PATH = env.str("MODELSYNC_STATIC_CATALOG_PATH", default="")

# --- Metrics (/metrics for Prometheus) -------------------------------------------------------
# A scrape is let in with "Authorization: Bearer <MODELSYNC_METRICS_TOKEN>" or from an address in the allow-list.
MODELSYNC_METRICS_TOKEN = env.str("MODELSYNC_METRICS_TOKEN", default="")


def _networks(name: str, cidrs: list[str]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid network ({exc}); see .env.example.") from None


MODELSYNC_METRICS_ALLOW = _networks(
    "MODELSYNC_METRICS_ALLOW", env.list("MODELSYNC_METRICS_ALLOW", default=["127.0.0.1/32", "::1/128"])
)

# --- API (SPEC §8) ---------------------------------------------------------------------------
MODELSYNC_PUBLIC_READ = env.bool("MODELSYNC_PUBLIC_READ", default=False)
MODELSYNC_MAX_PAGE_SIZE = env.int("MODELSYNC_MAX_PAGE_SIZE", default=200)
# Seconds a verified API token keeps reading the stale catalog while the database is down; 0 = never.
MODELSYNC_TOKEN_REMEMBER_SECONDS = env.int("MODELSYNC_TOKEN_REMEMBER_SECONDS", default=300)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MODELSYNC_MAX_BODY_BYTES", default=64 * 1024)
REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so that is a 401 with
    # "WWW-Authenticate: Token" rather than a bare 403. https://www.django-rest-framework.org/api-guide/authentication/
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.api.authentication.RememberedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["catalog.api.parsers.GuardedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "catalog.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"sync": env.str("MODELSYNC_SYNC_THROTTLE", default="10/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "modelsync API",
    "DESCRIPTION": "The team's LLM model catalog: list, filter, estimate cost, select, and sync.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the pinned drf-spectacular-sidecar package (collectstatic, whitenoise), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog.api.schema.filter_bounds",
        "catalog.api.schema.strict_bodies",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PricingStatusEnum": "catalog.models.LLMModel.PricingStatus",
        "SyncRunStatusEnum": "modelsync.models.SyncRun.Status",
        "ServiceTierEnum": "catalog.pricing.SERVICE_TIERS",
    },
}
