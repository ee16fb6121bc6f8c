"""Settings for opsassess, all read from the environment with safe local defaults.

DJANGO_ENV=production switches on the production rules: a secret key must be given,
DEBUG can't be switched on, and cookies and transport are locked down.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean strictly: a typo must not silently mean False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production'; got {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. In production it must come from the environment, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # Only ever used on a developer's machine: production refuses to start without a key.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "import_export",
    "knox",
    "rest_framework_api_key",
    "simple_history",
    "axes",
    "django_htmx",
    "opsassess.core",
    "catalog",
    "organisations",
    "assessments",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Cache-Control and Vary for API responses, 304s included (opsassess.core.middleware).
    "opsassess.core.middleware.PrivateResponseMiddleware",
    # 400 for query parameters holding NUL or absurdly long values, before any view.
    "opsassess.core.middleware.QueryStringMiddleware",
    # ETags for every GET, and 304s for If-None-Match / If-Modified-Since.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the answer pages answer an autosave with a fragment, a form post with a page.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# How many reverse proxies of ours stand in front of the app and append to X-Forwarded-For.
# 0 (the default) trusts none: the address is the socket's peer and the header is ignored.
_num_proxies = env.str("OPSASSESS_NUM_PROXIES", default="0").strip()
if not _num_proxies.isascii() or not _num_proxies.isdigit():
    raise ImproperlyConfigured(
        f"OPSASSESS_NUM_PROXIES must be a whole number, 0 or more; got {_num_proxies!r}"
    )
OPSASSESS_NUM_PROXIES = int(_num_proxies)

# Brute force: after 5 failed logins for a username from one address, that pair waits.
AXES_FAILURE_LIMIT = env.int("OPSASSESS_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("OPSASSESS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "opsassess.core.views.locked_out"
# The lockout and the throttles attribute a request to one address (opsassess.core.client).
AXES_CLIENT_IP_CALLABLE = "opsassess.core.client.client_ip"

# The web pages (web/) sign people in with a session; the same lockout guards the form.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Password reset mails: printed to the console unless OPSASSESS_EMAIL_URL names a server,
# e.g. smtp+tls://user:password@mail.example.com:587 (django-environ's e-mail URL).
_email = env.email_url("OPSASSESS_EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("OPSASSESS_FROM_EMAIL", default="opsassess@localhost")

# The audit trail is read-only: nobody reverts history from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Throttle counters must be shared by all workers in production: set CACHE_URL (e.g.
# redis://127.0.0.1:6379/1 or dbcache://opsassess_cache). The local default suits one process;
# a system check (opsassess.core.checks) refuses it when DJANGO_ENV=production.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://opsassess")}

ROOT_URLCONF = "opsassess.urls"
WSGI_APPLICATION = "opsassess.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", default=False):
        # Django's own psycopg pool; it requires non-persistent connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names need `collectstatic`, which production runs at build time.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without this, a fresh checkout would need collectstatic before the admin had any CSS.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# The largest request body accepted (the API answers 413 above it): 500 answers fit easily.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("OPSASSESS_MAX_BODY_BYTES", default=2 * 1024 * 1024)

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: no form or multipart bodies to worry about.
    "DEFAULT_PARSER_CLASSES": ["opsassess.core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "opsassess.core.api.filters.StrictFilterBackend",
        "opsassess.core.api.filters.StrictSearchFilter",
        "opsassess.core.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "opsassess.core.api.pagination.PageNumberPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "assessments.throttling.AnonRateThrottle",
        "assessments.throttling.UserRateThrottle",
        "assessments.throttling.APIKeyRateThrottle",
    ],
    # Fair use, not security (see the admin lockout above for that).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("OPSASSESS_THROTTLE_ANON", default="120/minute"),
        "user": env.str("OPSASSESS_THROTTLE_USER", default="600/minute"),
        "api_key": env.str("OPSASSESS_THROTTLE_API_KEY", default="300/minute"),
    },
    # The same number as OPSASSESS_NUM_PROXIES; the throttles read it through client_ip().
    "NUM_PROXIES": OPSASSESS_NUM_PROXIES,
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "opsassess.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "opsassess.core.api.errors.ApiExceptionHandler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "opsassess API",
    "DESCRIPTION": (
        "Maturity assessments for DevOps, MLOps and AIOps. The catalogue endpoints are public "
        "and read-only. Errors follow one shape: `type` plus a list of `errors`, each with "
        "`code`, `detail` and `attr` (the field, or query parameter, at fault)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # drf-standardized-errors' error codes get stable component names.
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in [
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            *(f"ErrorCode{code}Enum" for code in (401, 403, 404, 405, 406, 415, 429, 500)),
        ]
    }
    # The `type` of the project's own error bodies (409, 412, 428, the login 429).
    | {"ClientErrorTypeEnum": ["client_error"]}
    # Two kinds of `status`: an invitation's (organisations.api), and an assessment's, which
    # keeps the name it had when it was the only one.
    | {
        "InvitationStatusEnum": "organisations.models.INVITATION_STATUSES",
        "StatusEnum": "assessments.models.Assessment.Status",
    }
    # Respondents (assessments/api/respondents.py): how far one is, where an answer comes from.
    | {
        "RespondentStatusEnum": "assessments.api.serializers.RESPONDENT_STATUSES",
        "AnswerStatusEnum": "assessments.api.serializers.ANSWER_STATUSES",
    }
    # The portfolio's roll-up rule, in the organisation's PATCH and the portfolio alike.
    | {"PortfolioRollUpEnum": ["mean", "median", "minimum"]},
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "opsassess.core.api.schema.truthful_errors",
    ],
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("OPSASSESS_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": True,
    # Renewal by use stops here, so a stolen token that keeps being used still lapses.
    "AUTO_REFRESH_MAX_TTL": timedelta(
        hours=env.int("OPSASSESS_TOKEN_MAX_LIFETIME_HOURS", default=168)
    ),
    "TOKEN_LIMIT_PER_USER": 20,
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Invitation keys and password-reset tokens travel in paths; logged paths show neither.
    "filters": {
        "secret_paths": {
            "()": "opsassess.core.logging.HideSecretPaths",
            "prefixes": ["/invitations/accept/", "/accounts/reset/"],
        }
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["secret_paths"]},
        # The development server's request lines, as Django prints them, keys hidden.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["secret_paths"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # Lockouts are warnings; axes' start-up and bookkeeping lines are noise.
    "loggers": {
        # Hidden on the record itself, so every handler it reaches sees the same text.
        "django.request": {"filters": ["secret_paths"]},
        "django.security.csrf": {"filters": ["secret_paths"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # WeasyPrint's font subsetting (the report PDF) logs every table it touches.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
    },
}
