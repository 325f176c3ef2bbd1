"""Settings for parkops, driven by environment variables (12-factor).

DATABASE_URL   default: SQLite file db.sqlite3 beside manage.py
SECRET_KEY     required when DEBUG is off (outside the test suite)
DEBUG          "1"/"true" turns debug on; off by default
ALLOWED_HOSTS  comma separated
CSRF_TRUSTED_ORIGINS  comma separated, with scheme

Production switches (defaults are the safe ones whenever DEBUG is off):
SECURE_SSL_REDIRECT   "0" behind a TLS-terminating proxy that already redirects to https
SECURE_PROXY_SSL_HEADER  set to "1" when a trusted proxy sends X-Forwarded-Proto
SECURE_HSTS_SECONDS   default one year (31536000); "0" turns HSTS off
SECURE_COOKIES        "0" only for a plain-http trial on 127.0.0.1 (cookies then travel unencrypted)
SESSION_COOKIE_AGE    seconds a login lasts, default 8 hours (one working day)
TRUSTED_PROXY_COUNT   proxies in front of gunicorn; the login lockout then counts failures per
                      client address from X-Forwarded-For instead of per proxy address
AXES_FAILURE_LIMIT    failed logins before a lockout (default 5), per user name and per address
AXES_COOLOFF_MINUTES  how long a lockout lasts (default 15)

PARKOPS_EXPIRY_DAYS   the product's one expiry window (default 90): a lease or holding whose last
                      day falls within this many days reads "expiring" on every screen
"""
import datetime
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
# Commands that write source files (migrations, message catalogues) on a developer's checkout: they serve
# nothing and sign nothing, so they run without the production environment.
SOURCE_COMMAND = sys.argv[1:2] in (["makemigrations"], ["makemessages"])
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or SOURCE_COMMAND:
        SECRET_KEY = "insecure-dev-only-key-never-used-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(for example: export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')), "
            "or set DEBUG=1 for a local demo."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING or SOURCE_COMMAND) else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Set it to the host names the site answers to, comma separated "
        "(for example: export ALLOWED_HOSTS=seats.example.gov.cn), or set DEBUG=1 for a local demo."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The one expiry window: planner, portal, admin, reports and their labels all read it (leases.choices.expiry_days).
PARKOPS_EXPIRY_DAYS = int(os.environ.get("PARKOPS_EXPIRY_DAYS", "90"))
# The model that links a login to its tenant firm, as AUTH_USER_MODEL names the user model: the kernel
# (parkops.core.access.user_firm, the firm-scoping queryset) looks it up by this name, not by import.
PARKOPS_FIRM_MEMBER_MODEL = "firms.FirmMember"

INSTALLED_APPS = [
    "parkops.core.admin_site.ParkAdminConfig",  # django.contrib.admin with the park's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "simple_history",
    "import_export",
    "axes",
    "parkops.core",
    "parkops.zones",
    "parkops.firms",
    # registers before leases: where two apps' catalogues translate one msgid differently, the app listed first
    # wins, and the lists' "租约" ("Leases", the lease list's title) must keep winning over the model's "Lease".
    "parkops.registers",
    "parkops.leases",
    "parkops.planner",
    "parkops.portal",
    "parkops.reports",
    "parkops.seed",  # the real park's loader and the load_park and demo_users commands
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (django-csp; Django 5.2 has none of its own).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed for clients that accept it (static files are whitenoise's, compressed ahead). BREACH: Django
    # pads each gzip response with random bytes and masks the CSRF token per response; see README, Deployment.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL and control characters in a query string or form answer 400 (parkops/core/middleware.py).
    "parkops.core.middleware.ControlCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a database outage in a view into a clean 503 page (parkops/core/middleware.py).
    "parkops.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parkops.urls"
WSGI_APPLICATION = "parkops.wsgi.application"

# Widgets in their Jinja2 templates where Django ships one, Django's engine otherwise (parkops/core/forms.py).
FORM_RENDERER = "parkops.core.forms.ParkFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parkops.core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a transaction takes SQLite's write lock at BEGIN, so the
    # allocation services' check-then-insert cannot interleave (DESIGN.md).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind PgBouncer in transaction pooling mode, server-side cursors (streamed exports) must be off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DISABLE_SERVER_SIDE_CURSORS", False)

# Park-wide figures are cached under the allocation version (parkops/core/versioning.py). Every key carries the
# database's version, so a per-process cache is correct with any number of processes and hosts: a process that
# has not seen a version yet computes the figure from rows. Entries under an older version are never read again;
# the least recently used go first when the cache is full (one entry per page, day, language, firm and version).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "parkops-figures",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("FIGURE_CACHE_ENTRIES", "500"))},
    }
}

# Login protection (django-axes): the lockout backend comes first so a locked-out user or address
# never reaches the password check. Failures are counted per user name and, separately, per
# client address; either reaching the limit locks out until the cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the user's role groups in the user's own query (one query fewer per request).
    "parkops.core.auth.ParkModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Keep one row per failed login (with whether it hit a lockout) for the bureau admins' audit.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "parkops.core.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "parkops.core.auth.client_ip"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # Tests log in hundreds of users; the production hashers stay for everything else.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Translations live per app, beside the files they translate: parkops/<app>/locale/en for the app's
# code and templates, templates/locale/en for the site-wide templates in templates/ (make messages).
LOCALE_PATHS = [BASE_DIR / "templates" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions live in the database (no state in the app processes), last one working day and end
# with the browser. Changing a password ends the user's other sessions: Django checks each
# session's password hash on every request, and the change views keep only the current one.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# HTTPS and cookies. Off in DEBUG (runserver speaks plain http); on by default otherwise.
_PRODUCTION = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
# A load balancer probes /healthz over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # Behind a TLS-terminating proxy that redirects http itself (README): Django's own redirect is
        # off on purpose, and check --deploy's "SECURE_SSL_REDIRECT is not True" (W008) says nothing new.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if _PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# The preload flag only permits the domain's owner to submit it to the browsers' list.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", _PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only; no inline
# script, event handler or style, no eval, no framing, forms post back here only. Every page keeps its
# behaviour in static/js and its looks in static/css (sizes as classes: static/css/sizes.css); SVG
# presentation attributes (fill, stroke, width) are not styles and stay. data: images are allowed for
# the admin's and the widgets' small icons.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Every table on the site renders one way: django-tables2's plain template (the site has no Bootstrap),
# styled by table.data in static/css/parkops.css. Tables set only what differs (portal: "data requests").
DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data"}

# Spreadsheet formula neutralising is done by parkops.core.csvsafe for every export.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# A stored control character (a tenant's note) cannot stop an XLSX export: it is replaced by U+FFFD,
# as parkops.core.csvsafe.xlsx_text does for the staff lists.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
