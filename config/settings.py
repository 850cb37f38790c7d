"""Settings for the Escalation Dashboard.

Everything that differs between a laptop and a deployment comes from an environment variable
with a safe local default. With DEBUG off the secure settings are on unless switched off
explicitly, and the development secret key is refused.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key or shorter than 32 characters. "
        "Set SECRET_KEY to a long random value, for example the output of: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# What the product calls its users' organisation; data, never hard-coded in templates.
ORGANIZATION_NAME = os.environ.get("ORGANIZATION_NAME", "Example Organization")
SUPPORT_CENTER_NAME = os.environ.get("SUPPORT_CENTER_NAME", "IT Support Center")
CONFIDENTIALITY_BANNER = os.environ.get(
    "CONFIDENTIALITY_BANNER", "Confidential: for internal use only"
)
# Where the site is reached, for the links in emails (which have no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Where a ticket lives in the ticketing system, "{id}" standing for its id, e.g.
# https://tdx.example.edu/TDNext/Apps/40/Tickets/TicketDet?TicketID={id}. Empty: no link.
TICKET_URL_TEMPLATE = os.environ.get("TICKET_URL_TEMPLATE", "")
# An administrator's personal response link stays valid this many days (it is revoked sooner
# when the request is withdrawn or passed on).
RESPONSE_LINK_MAX_AGE_DAYS = int(os.environ.get("RESPONSE_LINK_MAX_AGE_DAYS", "14"))
# Attempts on the response page allowed per address and per link in the window (seconds).
RESPONSE_PAGE_RATE_LIMIT = int(os.environ.get("RESPONSE_PAGE_RATE_LIMIT", "20"))
RESPONSE_PAGE_RATE_WINDOW_SECONDS = int(os.environ.get("RESPONSE_PAGE_RATE_WINDOW_SECONDS", "600"))
# Replies to a request go to this address, plus-addressed with the request's token
# (escalations+<token>@example.org); empty: requests carry no reply address.
REPLY_TO_ADDRESS = os.environ.get("REPLY_TO_ADDRESS", "")
# An administrator is reminded of an unanswered request once, after this share of the business
# time between the request and its answer deadline (0.5: half way); 0 turns reminders off.
REQUEST_REMINDER_SHARE = float(os.environ.get("REQUEST_REMINDER_SHARE", "0.5"))
# The weekly digests (managers: their staff's open requests and figures; administrators: their
# own open requests) go out with the first check_sla scan from this ISO weekday (1 = Monday)
# and hour, organisation time. WEEKLY_DIGESTS=0 turns them off.
WEEKLY_DIGESTS = os.environ.get("WEEKLY_DIGESTS", "1") == "1"
DIGEST_WEEKDAY = int(os.environ.get("DIGEST_WEEKDAY", "1"))
DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "8"))
if not (1 <= DIGEST_WEEKDAY <= 7 and 0 <= DIGEST_HOUR <= 23):
    raise ImproperlyConfigured("DIGEST_WEEKDAY is 1 (Monday) to 7, DIGEST_HOUR 0 to 23.")
# Seed 002: a ticket still without a first response this many working days after it was
# logged escalates on its own (check_sla), when its category and priority set no response
# target. A target that exists is used instead.
UNANSWERED_TICKET_DAYS = int(os.environ.get("UNANSWERED_TICKET_DAYS", "2"))
if UNANSWERED_TICKET_DAYS < 1:
    raise ImproperlyConfigured("UNANSWERED_TICKET_DAYS is a whole number of days, at least 1.")
# Scheduled reports: a finished week's report is issued (frozen) by the first check_sla scan
# after it ends, never by a page view. SCHEDULED_REPORTS=0 stops that and the sending below:
# weeks then stay live ("not issued yet") until `weekly_report --email` issues and sends one.
SCHEDULED_REPORTS = os.environ.get("SCHEDULED_REPORTS", "1") == "1"
# ... and emailed to its subscribers (/reports/subscriptions/) by the first scan at or after this
# weekday (0 = Monday to 6 = Sunday) and hour, organisation time, once per week and person.
REPORT_SEND_WEEKDAY = int(os.environ.get("REPORT_SEND_WEEKDAY", "0"))
REPORT_SEND_HOUR = int(os.environ.get("REPORT_SEND_HOUR", "7"))
if not (0 <= REPORT_SEND_WEEKDAY <= 6 and 0 <= REPORT_SEND_HOUR <= 23):
    raise ImproperlyConfigured("REPORT_SEND_WEEKDAY is 0 (Monday) to 6, REPORT_SEND_HOUR 0 to 23.")
# Mail handed over by the mail server (receive_mail) or a gateway on another host (POST
# /mail/inbound/ with "Authorization: Bearer <secret>"; the endpoint is off while unset).
INBOUND_MAIL_SECRET = os.environ.get("INBOUND_MAIL_SECRET", "")
INBOUND_MAIL_MAX_BYTES = int(os.environ.get("INBOUND_MAIL_MAX_BYTES", str(10 * 1024 * 1024)))
# The TeamDynamix (TDX) Web API connector: off while TDX_BASE_URL is empty. The base URL is the
# Web API root, e.g. https://example.teamdynamix.com/TDWebApi. Sign in with a BEID and web services
# key (an admin service account) or a service account's username and password. The secrets stay
# in the environment: never logged, shown or stored in the database.
TDX_BASE_URL = os.environ.get("TDX_BASE_URL", "").rstrip("/")
TDX_APP_ID = os.environ.get("TDX_APP_ID", "")
TDX_BEID = os.environ.get("TDX_BEID", "")
TDX_WEB_SERVICES_KEY = os.environ.get("TDX_WEB_SERVICES_KEY", "")
TDX_USERNAME = os.environ.get("TDX_USERNAME", "")
TDX_PASSWORD = os.environ.get("TDX_PASSWORD", "")
# TDX's web application, where people open a ticket: the part of a ticket's address before
# /Apps/, e.g. https://example.teamdynamix.com/TDNext. Empty: taken from TDX_BASE_URL, whose
# last segment TDWebApi (SBTDWebApi in a sandbox) becomes TDNext (SBTDNext); a base URL
# ending otherwise (a proxy) gives no links until this is set.
TDX_WEB_URL = os.environ.get("TDX_WEB_URL", "").rstrip("/")
# Post hand-off messages to the TDX ticket's feed (off: the connector only reads).
TDX_WRITE_BACK = env_bool("TDX_WRITE_BACK", False)
TDX_TIMEOUT_SECONDS = float(os.environ.get("TDX_TIMEOUT_SECONDS", "10"))
# Tries per call when TDX answers 429, 5xx or times out, and the longest wait between two.
TDX_MAX_ATTEMPTS = int(os.environ.get("TDX_MAX_ATTEMPTS", "4"))
TDX_MAX_BACKOFF_SECONDS = float(os.environ.get("TDX_MAX_BACKOFF_SECONDS", "60"))
# The documented limit: 60 calls per IP address every 60 seconds, per endpoint.
TDX_RATE_LIMIT_CALLS = int(os.environ.get("TDX_RATE_LIMIT_CALLS", "60"))
TDX_RATE_LIMIT_SECONDS = float(os.environ.get("TDX_RATE_LIMIT_SECONDS", "60"))
if TDX_WEB_URL and not TDX_WEB_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("TDX_WEB_URL is an http(s) address, e.g. https://host/TDNext.")
if TDX_BASE_URL and not TDX_APP_ID:
    raise ImproperlyConfigured("TDX_BASE_URL is set: TDX_APP_ID (the ticketing app's id) is too.")
if TDX_BASE_URL and not ((TDX_BEID and TDX_WEB_SERVICES_KEY) or (TDX_USERNAME and TDX_PASSWORD)):
    raise ImproperlyConfigured(
        "TDX_BASE_URL is set: give TDX_BEID and TDX_WEB_SERVICES_KEY, or TDX_USERNAME and "
        "TDX_PASSWORD."
    )
# Paper size of the weekly report's PDF.
REPORT_PAGE_SIZE = os.environ.get("REPORT_PAGE_SIZE", "A4")
if REPORT_PAGE_SIZE not in ("A4", "Letter"):
    raise ImproperlyConfigured(f"REPORT_PAGE_SIZE is A4 or Letter, not {REPORT_PAGE_SIZE!r}.")
# The tables ``manage.py backup`` and ``restore`` count so a person can tell one copy from
# another: a label and the model whose table it is.
BACKUP_KEY_MODELS = {
    "tickets": "tickets.Ticket",
    "timeline events": "tickets.TicketEvent",
    "engagements": "escalations.Engagement",
    "admin responses": "escalations.AdminResponse",
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "template_partials.apps.SimpleAppConfig",
    # The product's layers, lowest first: each imports only from those above it in this list.
    "core",
    "admins",
    "tickets",
    "escalations",
    "reports",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: it reads the keys every signed-in page needs in one go.
    "core.requestcache.RequestCacheMiddleware",
    "core.audit.AuditMiddleware",
    "core.cache.PrivateNoStoreMiddleware",
    # After authentication: it reads the zone only for signed-in users.
    "tickets.sla.middleware.OrganisationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Brute-force protection: after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is locked for AXES_COOLOFF_MINUTES; a supervisor can unlock it sooner.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with each user's permissions kept in the shared cache.
    "core.permissions.CachedPermissionsBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy the client's address is in X-Forwarded-For: set TRUSTED_PROXY_COUNT
# to the number of proxies in front of the app, or every request seems to come from the proxy
# (one lock for everybody, and the audit log records the proxy's address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

ROOT_URLCONF = "config.urls"
# Every form's widgets drawn in Python, with the markup Django's templates give (core.widgets):
# the pages were compared whole, each role's, Django's admin included.
FORM_RENDERER = "core.widgets.FastWidgetRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "escalations.notifications.context_processors.notifications",
            ],
            # formatting: datetime_attr is used by every <time> element, in fragments too.
            "builtins": [
                "template_partials.templatetags.partials",
                "core.templatetags.formatting",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

# SQLite by default, in a file inside the project (ignored by git). The connection is tuned for
# several agents writing at once: WAL lets readers continue during a write, IMMEDIATE
# transactions take the write lock up front so a writer waits (busy timeout) instead of failing
# with "database is locked" halfway through, and synchronous=FULL keeps every committed record,
# because this data is evidence.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# One cache shared by every worker and server: a table in the database by default (made by
# `manage.py createcachetable`, which `make run` and `make serve` run), Redis when CACHE_URL
# is redis://host:port/db (install the redis package), memory of one process with locmem://.
# The figures kept in it are replaced by every write of what they read (core.versions).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            # Django's database cache, writing many keys in two queries (core/dbcache.py).
            "BACKEND": "core.dbcache.DatabaseCache",
            "LOCATION": "escalation_cache",
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: writes every password change to the audit log, whatever the way it came.
    {"NAME": "core.audit.PasswordChangesAudited"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Request emails are sent while the agent waits for the page: a mail server that hangs must
# fail within seconds (the scan retries), not hold the request.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "escalations@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Behind a TLS-terminating reverse proxy the app sees plain HTTP; trust the proxy's header.
if env_bool("TRUST_X_FORWARDED_PROTO", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"response_links": {"()": "config.log_filters.MaskResponseLinks"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["response_links"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Both log request paths, and a response link's path is its key.
        "django.request": {"filters": ["response_links"]},
        "django.server": {"filters": ["response_links"]},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each layout step at INFO; a PDF would write a dozen lines.
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes logs every log-in check at INFO; failures still reach the audit log.
        "axes": {"level": "WARNING"},
    },
}
