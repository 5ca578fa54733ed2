"""Berth's one settings module: every machine-specific value comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url

from wire.consuming import DEFAULT_STALLED_AFTER
from wire.layer import channel_layer_config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BERTH_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # its owner's alone (see stack/private_files.py)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Use BERTH_SECRET_KEY, else a key generated once and kept (0600) in the data directory."""
    if key := os.environ.get("BERTH_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("BERTH_DEBUG")
ALLOWED_HOSTS = _env_list("BERTH_ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = _env_list("BERTH_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "portal.accounts",
    "portal.hosts",
    "portal.containers",
    "portal.images",
    "portal.networks",
    "portal.volumes",
    "portal.stacks",
    "portal.dashboard",
    "portal.teams",
    "portal.audit",
    "portal.registries",
    "portal.terminals",
    "portal.operations",
    "portal.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.refusal_pages.RefusalPageMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.dashboard.context_processors.navigation",
            ],
        },
    },
]

# SQLite in the data directory unless DATABASE_URL names another database (PostgreSQL).
# Connections are kept (CONN_MAX_AGE seconds) by the threads that made them: a web process's request
# threads (portal/request_threads.py), its websockets' one thread, the portal worker's threads.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'berth.sqlite3'}",
        conn_max_age=int(os.environ.get("BERTH_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The most requests one web process serves at once, each on a thread of its own with its own
# database connection (more wait their turn): PostgreSQL sees at most this many per web process.
# Two: a request's work is mostly Python, under one GIL per process, so more threads only contend
# for it. 50 clients on the containers list, 2 processes on 2 cores (bench/containers_list.py):
# 2 threads 194 to 222 requests/s at p99 377 to 444 ms and 8.6 to 9.9 ms of CPU a request; 8 threads
# 152 to 164 requests/s at p99 597 to 624 ms and 10.9 to 11.9 ms. A request waiting on I/O past a second
# still never holds the others up (it gets a thread of its own: portal/request_threads.py).
BERTH_WEB_THREADS = int(os.environ.get("BERTH_WEB_THREADS", "2"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the portal worker write concurrently: WAL and immediate
    # transactions turn "database is locked" into a short wait.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Tabler names the red alert "danger", Django's error level "error".
MESSAGE_TAGS = {40: "danger"}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("BERTH_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Secure cookies mean Berth is served over HTTPS: browsers are told to keep to it (Django sends
# HSTS on HTTPS answers only). Referrer-Policy and nosniff are Django's defaults, stated here.
SECURE_HSTS_SECONDS = 31_536_000 if SESSION_COOKIE_SECURE else 0
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("BERTH_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/tabler", BASE_DIR / "node_modules/@tabler/core/dist"),
    ("vendor/tabler-icons", BASE_DIR / "node_modules/@tabler/icons-webfont/dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules/swagger-ui-dist"),
    ("vendor/xterm", BASE_DIR / "node_modules/@xterm/xterm"),
    ("vendor/xterm-addon-fit", BASE_DIR / "node_modules/@xterm/addon-fit/lib"),
    ("vendor/asciinema-player", BASE_DIR / "node_modules/asciinema-player/dist/bundle"),
    ("vendor/codemirror", BASE_DIR / "node_modules/codemirror"),
    ("vendor/js-yaml", BASE_DIR / "node_modules/js-yaml/dist"),
]
WHITENOISE_USE_FINDERS = True

# Redis is the Celery broker and the Channels layer. It is the trust root: see README.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CHANNEL_LAYERS = {
    "default": {
        # channels_redis with one round trip per send (wire.layer: measured, why).
        "BACKEND": "wire.layer.BerthChannelLayer",
        "CONFIG": channel_layer_config(REDIS_URL),
    }
}

# Shared by every web process, so login throttle counts hold however many processes serve logins.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "berth",
    }
}

# After this many failed logins from one address within the lockout period, further attempts
# from it are refused for the lockout period; a username past it waits between attempts, a wait
# that doubles up to the most given (portal/accounts/login_throttle.py).
BERTH_LOGIN_MAX_FAILURES = int(os.environ.get("BERTH_LOGIN_MAX_FAILURES", "5"))
BERTH_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("BERTH_LOGIN_LOCKOUT_SECONDS", "900"))
BERTH_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("BERTH_LOGIN_MAX_DELAY_SECONDS", "60"))
# A personal token made without an expiry expires after this many days (0: never).
BERTH_TOKEN_DAYS = float(os.environ.get("BERTH_TOKEN_DAYS", "90"))

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "portal"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No portal task acks late, so this cancels nothing; set, it stops Celery's deprecation warning
# at every lost broker connection.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# Who speaks on the broker (portal/hosts/enrollment.py). The portal's signing key: BERTH_PORTAL_KEY,
# else one generated once and kept (0600) in the data directory.
BERTH_PORTAL_KEY = os.environ.get("BERTH_PORTAL_KEY", "")
BERTH_PORTAL_KEY_FILE = DATA_DIR / "portal-signing.key"
# "auto": give each host its own Redis ACL user when Berth's Redis user may and the broker's
# default user is not open to all; "off": never (hosts then share the URL below).
BERTH_BROKER_USERS = os.environ.get("BERTH_BROKER_USERS", "auto")
# The broker as host workers reach it (a host's own user and password are put into it).
BERTH_HOST_REDIS_URL = os.environ.get("BERTH_HOST_REDIS_URL", REDIS_URL)

# Host liveness, judged by the portal's clock when heartbeats arrive.
BERTH_HOST_OFFLINE_AFTER = float(os.environ.get("BERTH_HOST_OFFLINE_AFTER", "8"))
BERTH_LIVENESS_CHECK_EVERY = float(os.environ.get("BERTH_LIVENESS_CHECK_EVERY", "1"))
# A portal worker that has run nothing this long while reports wait in its queue ends itself, to be
# started afresh by its supervisor (wire/consuming.py). Host workers read the same variable.
BERTH_CONSUMER_STALLED_AFTER = float(os.environ.get("BERTH_CONSUMER_STALLED_AFTER", DEFAULT_STALLED_AFTER))
# Removed containers and images stay visible (as removed) this long, then are purged.
# Operations: the largest build context and image archive a user may upload.
BERTH_BUILD_CONTEXT_MAX_MB = float(os.environ.get("BERTH_BUILD_CONTEXT_MAX_MB", "100"))
BERTH_IMPORT_MAX_MB = float(os.environ.get("BERTH_IMPORT_MAX_MB", "2048"))
# Uploads and downloads of images (contexts, imports, exports) one user may have in flight at once.
BERTH_TRANSFERS_PER_USER = int(os.environ.get("BERTH_TRANSFERS_PER_USER", "2"))
# A request body is refused before it is read past its route's limit (portal/body_limits.py):
# the build and import routes allow their upload limit and a margin, every other route this many MB.
BERTH_BODY_MAX_MB = float(os.environ.get("BERTH_BODY_MAX_MB", "4"))
# A folder uploaded as a build context may hold many files.
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("BERTH_UPLOAD_MAX_FILES", "10000"))
BERTH_TOMBSTONE_DAYS = float(os.environ.get("BERTH_TOMBSTONE_DAYS", "7"))
# Keys that encrypt registry passwords (portal/registries/encryption.py): the first encrypts, all decrypt.
BERTH_SECRET_KEYS = _env_list("BERTH_SECRET_KEYS")
# Git stacks (portal/stacks/git_repository.py): how long a fetch may take, how much it may write,
# and the private networks (CIDRs) repositories may be fetched from besides public addresses.
BERTH_GIT_TIMEOUT = float(os.environ.get("BERTH_GIT_TIMEOUT", "60"))
BERTH_GIT_MAX_MB = float(os.environ.get("BERTH_GIT_MAX_MB", "100"))
BERTH_GIT_ALLOWED_NETWORKS = _env_list("BERTH_GIT_ALLOWED_NETWORKS")
# A git stack's poll interval may not be shorter than this (seconds).
BERTH_GIT_POLL_MINIMUM = int(os.environ.get("BERTH_GIT_POLL_MINIMUM", "60"))
# Alerts (portal/alerts): email goes through SMTP_URL (smtp://user:pass@host:port, smtps://…,
# ?starttls=required|off, ?from=); a delivery a dead worker held is taken over after the lease.
BERTH_SMTP_URL = os.environ.get("SMTP_URL", "")
BERTH_ALERT_EMAIL_FROM = os.environ.get("BERTH_ALERT_EMAIL_FROM", "berth@localhost")
BERTH_ALERT_LEASE_SECONDS = float(os.environ.get("BERTH_ALERT_LEASE_SECONDS", "30"))
# A stack partly running this many seconds fires `stack.partly_down` (shorter is a deploy in progress).
BERTH_ALERT_STACK_GRACE = float(os.environ.get("BERTH_ALERT_STACK_GRACE", "30"))
# Terminal recordings (asciicast v2): where they live, the most one may grow to, how long they are kept.
BERTH_RECORDINGS_DIR = Path(os.environ.get("BERTH_RECORDINGS_DIR", DATA_DIR / "recordings"))
BERTH_RECORDING_MAX_BYTES = int(os.environ.get("BERTH_RECORDING_MAX_BYTES", str(32 * 1024 * 1024)))
BERTH_RECORDING_DAYS = float(os.environ.get("BERTH_RECORDING_DAYS", "30"))
# A terminal session whose web process has not said it serves it for this many seconds is ended
# (portal/terminals/housekeeping.py: the web process is gone).
BERTH_TERMINAL_ORPHANED_AFTER = float(os.environ.get("BERTH_TERMINAL_ORPHANED_AFTER", "60"))
# How long a terminal whose browser dropped keeps running, waiting to be resumed (`?session=`).
BERTH_TERMINAL_GRACE_SECONDS = float(os.environ.get("BERTH_TERMINAL_GRACE_SECONDS", "60"))
# Set by `make run` when no local Docker engine answered, so the dashboard can say so.
BERTH_LOCAL_ENGINE_PROBLEM = os.environ.get("BERTH_LOCAL_ENGINE_PROBLEM", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.BerthPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.BerthAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Berth API",
    "DESCRIPTION": "Hosts, images, containers and registries of the Docker hosts your team may see.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for those logged in (session or token), like the API they describe.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Served from our own static files: Berth runs where no CDN is reachable.
    "SWAGGER_UI_DIST": f"/{STATIC_URL}vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": f"/{STATIC_URL}vendor/swagger-ui/favicon-32x32.png",
    # Request and response bodies as separate components: a read-only field is never asked of a
    # client, and a response's fields are all marked required (they are always there).
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OperationKindEnum": "portal.operations.choices.OperationKind"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Tokens never reach a log line (a websocket's ?token=, a key in an error).
    "filters": {"redact_tokens": {"()": "portal.accounts.log_redaction.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("BERTH_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # One line per heartbeat report would drown everything else.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
