"""Settings for the Human rights agenda tracker, read strictly from the environment.

DEBUG      "1" for local development; off unless asked for.
SECRET_KEY required unless DEBUG is on.
ALLOWED_HOSTS comma-separated host names (defaults to localhost only).
DATABASE_URL  postgres://user:password@host:port/name?sslmode=require (libpq
              options pass to the driver), or sqlite:////absolute/path;
              a SQLite file in the project folder when unset.
HTTPS      "1" (the default unless DEBUG) when served over HTTPS: redirects,
           secure cookies and HSTS. "0" for plain HTTP on loopback (tests, soak).
BEHIND_PROXY "1" when a proxy terminates TLS and sets X-Forwarded-Proto and
           X-Forwarded-For (deploy/nginx/tracker.conf): both are then trusted.
"""

import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = BASE_DIR / "seeds"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {value!r}).")


# PostgreSQL connection parameters (libpq) that DATABASE_URL may carry as query options,
# such as ?sslmode=require. Host, port, name, user and password belong in the URL itself.
POSTGRES_OPTIONS = frozenset(
    {
        "application_name",
        "channel_binding",
        "client_encoding",
        "connect_timeout",
        "gssencmode",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "options",
        "passfile",
        "require_auth",
        "service",
        "ssl_max_protocol_version",
        "ssl_min_protocol_version",
        "sslcert",
        "sslcertmode",
        "sslcrl",
        "sslcrldir",
        "sslkey",
        "sslmode",
        "sslnegotiation",
        "sslpassword",
        "sslrootcert",
        "sslsni",
        "target_session_attrs",
        "tcp_user_timeout",
    }
)
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Each web thread keeps its database connection between requests. On SQLite a new
# connection costs more than a cached page: it opens the file and parses the whole
# schema on its first statement. Reconnecting now and then (a minute) lets a replaced
# SQLite file or a restarted PostgreSQL be picked up.
CONNECTION_SECONDS = 60
# SQLite's page cache is per connection and 2 MB by default: one download of an x10
# database (870 MB) evicts and reads again from the file the pages it keeps coming back to.
# 64 MB (-65536: in KiB) cut the CPU time of the x10 downloads by about a tenth (8-12 %,
# measured alternately in one process); it grows only as pages are read, so a thread's
# connection costs at most 64 MB (512 MB for the 8 threads of gunicorn.conf.py).
# Memory-mapped reads (mmap_size 256 MB, 1 GB) were measured too: no further gain, and
# every mapped page read counts in the process's resident memory (a download's peak rose
# by 280-620 MB).
SQLITE_OPTIONS = {"init_command": "PRAGMA cache_size = -65536"}


def database_from_url(url: str) -> dict[str, Any]:
    """DATABASES["default"] from a postgres:// or sqlite:// URL, parsed by dj-database-url.

    Query options of a PostgreSQL URL (?sslmode=require) are passed to the driver;
    an unknown or repeated option is refused rather than silently dropped.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres:// or sqlite://)."
        )
    postgres = parts.scheme != "sqlite"
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=CONNECTION_SECONDS, conn_health_checks=postgres)
        )
    except ValueError:
        raise ImproperlyConfigured(_unparseable(parts)) from None
    options = config.get("OPTIONS", {})
    if not postgres:
        if options:
            raise ImproperlyConfigured("DATABASE_URL: a sqlite:// URL takes no query options.")
        return {
            "ENGINE": config["ENGINE"],
            "NAME": config["NAME"],
            "CONN_MAX_AGE": CONNECTION_SECONDS,
            "OPTIONS": SQLITE_OPTIONS,
        }
    if not config["NAME"]:
        raise ImproperlyConfigured("DATABASE_URL names no database.")
    for name, value in options.items():
        if name not in POSTGRES_OPTIONS:
            raise ImproperlyConfigured(
                f"DATABASE_URL option {name!r} is not a PostgreSQL connection parameter "
                f"(known: {', '.join(sorted(POSTGRES_OPTIONS))})."
            )
        if isinstance(value, list):
            raise ImproperlyConfigured(f"DATABASE_URL gives the option {name!r} more than once.")
    if "sslmode" in options and options["sslmode"] not in SSL_MODES:
        raise ImproperlyConfigured(
            f"DATABASE_URL sslmode must be one of {', '.join(SSL_MODES)} "
            f"(got {options['sslmode']!r})."
        )
    config["PORT"] = str(config["PORT"])
    return config


def _unparseable(parts: SplitResult) -> str:
    """Why a URL could not be parsed, in one line that does not repeat its password."""
    try:
        _ = parts.port  # Raises ValueError for ":notaport" or a port past 65535.
    except ValueError:
        return "DATABASE_URL has a port that is not a number from 0 to 65535."
    return (
        "DATABASE_URL is not a valid URL: %-encode any of : / @ ? # in the user name or password."
    )


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or DEBUG=1 for local use)."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if host.strip()
]

HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Public pages load nothing but their own stylesheets; the admin also needs its own
# scripts and some inline styles. No page runs an inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ADMIN_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Admin login: five failures lock the username and address out for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The visitor's address: REMOTE_ADDR, or behind the proxy (BEHIND_PROXY) the address the
# proxy appended to X-Forwarded-For, so one visitor's failures do not lock out everyone.
AXES_CLIENT_IP_CALLABLE = "tracker.middleware.client_ip"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

INSTALLED_APPS = [
    "tracker.admin_site.TrackerAdminConfig",  # django.contrib.admin, with the review queue
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a clear refusal.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "tracker.context_processors.site",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "CONN_MAX_AGE": CONNECTION_SECONDS,
            "OPTIONS": SQLITE_OPTIONS,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cached public pages are keyed on the data version kept in the database, so a
# per-process cache never serves a stale page.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies are made by `collectstatic`; names stay unhashed so pages work without it.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without `collectstatic` (development, tests) files are served from the apps as they are,
# and WhiteNoise need not warn that STATIC_ROOT does not exist yet.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# Absolute links in downloads and exports point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Errors leave a trace with DEBUG off: server errors (500s, with their traceback) and the
# tracker's own warnings go to stderr, one line each (gunicorn and systemd keep stderr).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "format": "{asctime} {levelname} {name} [pid {process}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "line",
        },
    },
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "tracker": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
