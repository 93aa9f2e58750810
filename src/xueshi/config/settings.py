"""Django settings for xueshi.

Everything that differs between a laptop and a server comes from the environment:

- ``XUESHI_PRODUCTION``     ``1`` on a server: refuses to start with debug on or without a
                            real secret key, and turns on HTTPS-only cookies, HSTS and the
                            redirect to HTTPS (``xueshi check --deploy``: no warning)
- ``XUESHI_SECRET_KEY``     required in production; elsewhere, when unset, a random key kept
                            in ``<var>/secret_key`` (made on first start, mode 0600)
- ``XUESHI_DEBUG``          ``1``/``true``/``yes``/``on`` to turn debug on (default off; the demo
                            turns it on)
- ``XUESHI_ALLOWED_HOSTS``  comma-separated (default ``localhost,127.0.0.1,[::1]``)
- ``XUESHI_ADMIN_NETWORKS`` addresses that may open /admin/ (default ``127.0.0.1/32,::1/128``)
- ``XUESHI_TRUSTED_PROXIES`` proxies in front of the app (0, the default: the client is the
                            peer; 1: one load balancer whose X-Forwarded-For is trusted)
- ``DATABASE_URL``          e.g. ``postgres://user@host:5432/xueshi``; default SQLite in ``var/``
- ``XUESHI_VAR_DIR``        where SQLite and collected static files live (default ``<repo>/var``)
- ``XUESHI_POLICY_DIR``     the dated policy data (default ``<repo>/policy``)
- ``XUESHI_CONN_MAX_AGE``   seconds a database connection outlives its request
- ``XUESHI_DEMO``           ``1`` in the demo (``xueshi demo`` sets it): the 演示日期 switch
- ``XUESHI_DEMO_DATE``      ISO date the clock reads instead of today's (demo only)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# src/xueshi/config/settings.py -> the repository root is three levels above this folder.
REPO_DIR = Path(__file__).resolve().parents[3]


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = _env_bool("XUESHI_PRODUCTION", default=False)
DEBUG = _env_bool("XUESHI_DEBUG", default=False)
ALLOWED_HOSTS = _env_list("XUESHI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

VAR_DIR = Path(os.environ.get("XUESHI_VAR_DIR", REPO_DIR / "var"))
XUESHI_POLICY_DIR = Path(os.environ.get("XUESHI_POLICY_DIR", REPO_DIR / "policy"))

# Placeholders seen in example files, refused as a production key whatever their length.
_PLACEHOLDER_KEYS = {"change-me", "changeme", "secret", "django-insecure"}


def _secret_key() -> str:
    """The key of the environment; in production a real one or nothing starts; elsewhere,
    when unset, a random key of this installation (never a key published in the code)."""
    key = os.environ.get("XUESHI_SECRET_KEY", "").strip()
    if PRODUCTION:
        weak = (
            len(key) < 50
            or len(set(key)) < 5
            or key.lower() in _PLACEHOLDER_KEYS
            or key.startswith("django-insecure")
        )
        if weak:
            raise ImproperlyConfigured(
                "XUESHI_PRODUCTION is on: XUESHI_SECRET_KEY must be a random string of at least "
                "50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        return key
    if key:
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        made = secrets.token_urlsafe(50)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(made)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text(encoding="ascii").strip()
        return made


if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("XUESHI_PRODUCTION is on: XUESHI_DEBUG must be off.")
SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "xueshi.web",
    "xueshi.audit",
    "xueshi.accounts",
    "xueshi.organisations",
    "xueshi.people",
    "xueshi.records",
    "xueshi.training",
    "xueshi.learning",
    "xueshi.funding",
    "xueshi.inspections",
    "xueshi.catalogue",
    "xueshi.compliance",
    "xueshi.reporting",
    "xueshi.certificates",
    "xueshi.exams",
    "xueshi.policies",
    "xueshi.jobs",
    "xueshi.api",
    "xueshi.demo",
    "xueshi.operations",
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # After a request that may write, its browser reads the primary, not a replica, a while.
    "xueshi.db.replica.ReplicaPinMiddleware",
    # /admin/ only from XUESHI_ADMIN_NETWORKS, before anything reads a session.
    "xueshi.web.middleware.AdminNetworkMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Deny by default: every view declares who may reach it (xueshi/accounts/access.py).
    "xueshi.accounts.access.AccessMiddleware",
    # The demo's date (演示日期) for the request; nothing outside the demo (xueshi.clock).
    "xueshi.demo.middleware.DemoClockMiddleware",
    # Idle and absolute session limits, forced password changes (xueshi/accounts/middleware.py).
    "xueshi.accounts.middleware.SessionPolicyMiddleware",
    # django-axes last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- Security -------------------------------------------------------------------------------
# The content security policy (django-csp), everywhere so that tests and the demo run under
# it: scripts, styles and everything else only from this site; no inline script or style
# (the pages' scripts are static files: web/site.js, htmx with its inline styles off), no
# plugin, no framing, forms post only here.
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Django's admin only from these networks (ipaddress notation, comma-separated): 等保 8.1.4.4 c.
XUESHI_ADMIN_NETWORKS = _env_list("XUESHI_ADMIN_NETWORKS", "127.0.0.1/32,::1/128")
# How many proxies stand in front of the app servers: the client address is then taken from
# X-Forwarded-For, that many entries from its right end (0: the peer's address).
XUESHI_TRUSTED_PROXIES = int(os.environ.get("XUESHI_TRUSTED_PROXIES", "0"))

if PRODUCTION:
    # TLS ends at the load balancer, which says so in X-Forwarded-Proto (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("XUESHI_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True

ROOT_URLCONF = "xueshi.config.urls"
WSGI_APPLICATION = "xueshi.config.wsgi.application"
ASGI_APPLICATION = "xueshi.config.asgi.application"

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
                "xueshi.accounts.context_processors.navigation",
                "xueshi.demo.context_processors.demo_clock",
            ],
        },
    },
]

# Forms render their widgets with the design system's classes (Bootstrap 5, vendored).
FORM_RENDERER = "xueshi.web.forms_renderer.BootstrapFormRenderer"

# --- Database -----------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL is for scale. With Django's SQLite defaults,
# concurrent writers fail with "database is locked"; WAL, BEGIN IMMEDIATE and a 20 s busy
# timeout removed those failures (docs/adr/0002-stack.md).

_SQLITE_PATH = VAR_DIR / "xueshi.sqlite3"
_database = dj_database_url.parse(os.environ.get("DATABASE_URL") or f"sqlite:///{_SQLITE_PATH}")

if _database["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite_name = str(_database.get("NAME") or "")
    if _sqlite_name and _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections matter under load (~1.6x throughput in the stack notes).
    _database["CONN_MAX_AGE"] = 60
    _database["CONN_HEALTH_CHECKS"] = True
# Seconds a connection outlives its request (0: a new one per request). Persistent
# connections pay on SQLite too: a new one runs the PRAGMAs above (bench/verify_wrk.py).
if os.environ.get("XUESHI_CONN_MAX_AGE", "").strip():
    _database["CONN_MAX_AGE"] = int(os.environ["XUESHI_CONN_MAX_AGE"])

DATABASES = {"default": _database}

# A PostgreSQL streaming replica for the pages that only read (xueshi/db/replica.py, ADR 0015):
# the public verification page, dashboards, reports and their exports. Writes, sign-ins,
# access and the audit trail always use the primary. A browser that has just written reads
# the primary for XUESHI_REPLICA_PIN_SECONDS; a replica more than XUESHI_REPLICA_MAX_LAG
# seconds behind is not read. The pin must outlast the lag allowed (read your own writes).
XUESHI_REPLICA_MAX_LAG = float(os.environ.get("XUESHI_REPLICA_MAX_LAG") or 10)
XUESHI_REPLICA_PIN_SECONDS = int(os.environ.get("XUESHI_REPLICA_PIN_SECONDS") or 15)
if XUESHI_REPLICA_PIN_SECONDS <= XUESHI_REPLICA_MAX_LAG:
    raise ImproperlyConfigured(
        "XUESHI_REPLICA_PIN_SECONDS must be longer than XUESHI_REPLICA_MAX_LAG: "
        "who has just written must read the primary until any replica in use has it."
    )
if os.environ.get("XUESHI_REPLICA_URL", "").strip():
    _replica = dj_database_url.parse(os.environ["XUESHI_REPLICA_URL"])
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("XUESHI_REPLICA_URL must name a PostgreSQL standby.")
    _replica["CONN_MAX_AGE"] = _database.get("CONN_MAX_AGE", 0)
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the test database
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["xueshi.db.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication (等保 8.1.4.1 a–b; docs/security.md) ---------------------------------------
# Argon2 first: new and changed passwords are hashed with it; older hashes still verify and
# are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# At least 8 characters of 3 of the 4 classes, not a common password, not all digits, not
# like the username or name: at registration, at a change and at a reset.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "xueshi.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff (every role but 专业技术人员) change their password at least this often (days).
XUESHI_STAFF_PASSWORD_DAYS = int(os.environ.get("XUESHI_STAFF_PASSWORD_DAYS", "90"))
# The uploaded file of a finished background job is deleted this many days after it ended
# (xueshi cleanup: residual information, 等保 8.1.4.10), and so are the files of
# exports finished as long ago.
XUESHI_TEMPORARY_FILE_DAYS = int(os.environ.get("XUESHI_TEMPORARY_FILE_DAYS", "30"))
# A temporary password (a reset by the organisation or the bureau) signs in only this many
# hours after the reset; later the account asks for another reset.
XUESHI_TEMPORARY_PASSWORD_HOURS = int(os.environ.get("XUESHI_TEMPORARY_PASSWORD_HOURS", "72"))
# A session ends after this many seconds without a request, and this long after the login
# whatever happens (Django's own cookie age is the absolute limit's upper bound).
XUESHI_SESSION_IDLE_SECONDS = int(os.environ.get("XUESHI_SESSION_IDLE_SECONDS", str(30 * 60)))
XUESHI_SESSION_ABSOLUTE_SECONDS = int(
    os.environ.get("XUESHI_SESSION_ABSOLUTE_SECONDS", str(8 * 3600))
)
SESSION_COOKIE_AGE = XUESHI_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# django-axes: the 5th wrong password for an account locks it for 30 minutes (so the 6th
# attempt, right or wrong, is refused); an administrator can unlock it sooner (安全管理员,
# /accounts/security/locked/). Counted per username, whatever the address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address among the parameters, lest rotating user agents or cookies
# dodge a lock: the lock here is per account, which neither rotation nor a new address
# escapes (an address-wide lock would shut a whole office behind one NAT out).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_CLIENT_IP_CALLABLE = "xueshi.accounts.network.client_address"
AXES_VERBOSE = False
# TOTP (django-otp) for bureau, authority and administrator roles: the name authenticator
# apps show beside the account.
OTP_TOTP_ISSUER = "学时"

# --- Language and time --------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- Uploads --------------------------------------------------------------------
# Evidence files live outside the web root and are never served by URL: a view checks
# access and streams them. MEDIA_URL is deliberately unset.
MEDIA_ROOT = VAR_DIR / "uploads"
# The files of exports (xueshi.jobs.exports), each served only to the user who asked for it;
# unset: "exports" beside MEDIA_ROOT (var/exports; in tests beside their temporary uploads).
XUESHI_EXPORTS_DIR = os.environ.get("XUESHI_EXPORTS_DIR", "").strip() or None
XUESHI_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
XUESHI_BATCH_MAX_BYTES = 20 * 1024 * 1024
# Rows of one Excel batch (checked and entered by a background job; 100k rows ≈ 3 MB).
XUESHI_BATCH_MAX_ROWS = 200_000
# 审核提醒: a record waiting at one review step longer than this many days is late. None of the
# seed notices sets how long a review may take, so this is the system's default (issue 13).
XUESHI_REVIEW_LATE_DAYS = int(os.environ.get("XUESHI_REVIEW_LATE_DAYS", "10"))
# An uploaded spreadsheet is read in a child process with these limits (training.xlsx_sandbox):
# its address space in MB and its CPU seconds (twice that of wall-clock time).
XUESHI_BATCH_READ_MEMORY_MB = int(os.environ.get("XUESHI_BATCH_READ_MEMORY_MB", "1024"))
XUESHI_BATCH_READ_SECONDS = int(os.environ.get("XUESHI_BATCH_READ_SECONDS", "60"))
# A running job with no heartbeat for this long lost its process: it is retried once (an
# idempotent kind) or failed (xueshi.jobs.recovery; the workers look every few seconds).
XUESHI_JOB_STALE_SECONDS = int(os.environ.get("XUESHI_JOB_STALE_SECONDS", "60"))
# Seconds between two heartbeats of a running job (a thread of the process running it).
XUESHI_JOB_HEARTBEAT_SECONDS = float(os.environ.get("XUESHI_JOB_HEARTBEAT_SECONDS", "10"))
# Seconds between two looks of a worker's watcher at every job's heartbeat (xueshi worker).
XUESHI_JOB_WATCH_SECONDS = float(os.environ.get("XUESHI_JOB_WATCH_SECONDS", "5"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Certificates -----------------------------------------------------------------
# Signing keys, Ed25519 or SM2 (<kid>.private.pem / <kid>.public.pem); made on first use if absent.
XUESHI_KEYS_DIR = Path(os.environ.get("XUESHI_KEYS_DIR", VAR_DIR / "keys"))
# The algorithm of a new signing key (the first one, and `xueshi keys rotate` without
# --algorithm): ed25519 or sm2 (国密; its key ids start with sm2-). Old keys keep verifying.
XUESHI_SIGNING_ALGORITHM = os.environ.get("XUESHI_SIGNING_ALGORITHM", "ed25519")

# --- Personal information -------------------------------------------------------
# The keys of the ID numbers at rest (people/identity.py): id-<kid>.key (SM4) and index.key
# (HMAC-SM3), outside the database and outside its backups. Made on first use except in
# production, where `xueshi idkeys rotate` makes them once.
XUESHI_ID_KEYS = Path(os.environ.get("XUESHI_ID_KEYS", VAR_DIR / "idkeys"))

# --- Backups ------------------------------------------------------------------------
# Where `xueshi backup` finds pg_dump and pg_restore (empty: on the PATH). They must be of
# the server's major version or newer.
XUESHI_PG_BIN = os.environ.get("XUESHI_PG_BIN", "")
# The address printed on certificates and carried by their QR codes.
XUESHI_PUBLIC_URL = os.environ.get("XUESHI_PUBLIC_URL", "http://127.0.0.1:8000")
# Typed look-ups (number with code or name) on the public verification page, per client
# address and window of seconds, counted in Django's cache (scans are not counted).
XUESHI_VERIFY_LOOKUPS = int(os.environ.get("XUESHI_VERIFY_LOOKUPS", "30"))
XUESHI_VERIFY_WINDOW = int(os.environ.get("XUESHI_VERIFY_WINDOW", "600"))

# --- Background jobs --------------------------------------------------------------
# Django's tasks API (the django-tasks backport until Django 6). "default" keeps tasks in the
# database; `xueshi worker` runs them (any number of workers, wherever the database is
# reached). "inline" runs a task at once in the caller's process: XUESHI_JOBS_INLINE=1 sends
# every job there (one process and no worker, e.g. the demo); tests make "default" inline.
XUESHI_JOBS_INLINE = _env_bool("XUESHI_JOBS_INLINE", default=False)
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "inline": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

# --- The clock ---------------------------------------------------------------------
# Every deadline, default year and "today" reads xueshi.clock: the real date, unless the demo
# is on (XUESHI_DEMO, set by `xueshi demo`), where each session runs at the date of the seed
# scenario it picks under 演示日期 (xueshi.demo.scenarios), by default XUESHI_DEMO_DATE's or
# Shantou's 2014-12-15. Never in production: the settings refuse it there.
XUESHI_DEMO = _env_bool("XUESHI_DEMO", default=False)
XUESHI_DEMO_DATE = os.environ.get("XUESHI_DEMO_DATE", "").strip() or None
if PRODUCTION and (XUESHI_DEMO or XUESHI_DEMO_DATE):
    raise ImproperlyConfigured(
        "XUESHI_PRODUCTION is on: XUESHI_DEMO and XUESHI_DEMO_DATE must be unset."
    )

# --- Open API (docs/api.md, docs/adr/0011-open-api.md) --------------------------------------
# Machine clients only: a signed request or an OAuth2 client-credentials token; no session, so
# no CSRF. Denied unless the view names the scope it needs (api.permissions.HasScope).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xueshi.api.authentication.SignatureAuthentication",
        "xueshi.api.authentication.ClientTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["xueshi.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["xueshi.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": os.environ.get("XUESHI_API_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "xueshi.api.errors.JsonOnlyNegotiation",
    "EXCEPTION_HANDLER": "xueshi.api.errors.problem_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": None,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "学时 · 开放接口 / xueshi open API",
    "DESCRIPTION": "行业系统报送学时、职称系统查询达标情况的接口。见 docs/api.md。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "xueshi.api.oauth.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "xueshi.api.oauth.ClientValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,  # nosec B105: a lifetime, not a password
    # Only the client-credentials grant is used (api.services registers no other); the rest
    # is held to RFC 9700 so that `check --deploy` has nothing to say.
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # nosec B105: a switch
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,  # nosec B105: a switch
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # nosec B105: a switch
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # nosec B105: a switch
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # nosec B105: a switch
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,  # nosec B105: a switch
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# django-oauth-toolkit's own models (named here so that migrations can refer to them).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# A signed request's timestamp may differ from the server's clock by this many seconds; its
# nonce is refused if the client used it within the last XUESHI_API_NONCE_SECONDS.
XUESHI_API_CLOCK_SKEW = 300
XUESHI_API_NONCE_SECONDS = 15 * 60
# Learners' results in one push (xAPI: a batch is accepted or refused whole for its ids).
XUESHI_API_PUSH_MAX = 5_000

# --- Benchmarks -------------------------------------------------------------------
# Mounts the bare baseline views of bench/verify_wrk.py under /_bench/. Never on in production.

# --- Online learning (issue 11) -------------------------------------------------------
# Seconds between two heartbeats of a playing lesson (the page's timer), and the longest
# interval one heartbeat may be credited for (a longer one earns this much at most).
XUESHI_STUDY_HEARTBEAT_SECONDS = int(os.environ.get("XUESHI_STUDY_HEARTBEAT_SECONDS", "30"))
XUESHI_STUDY_MAX_GAP_SECONDS = int(os.environ.get("XUESHI_STUDY_MAX_GAP_SECONDS", "90"))
# 疑点: this many consecutive intervals with a spread under this many seconds are a machine's;
# this many accounts starting lessons from one address within the window; credited study
# between these local hours longer than this many minutes in one session.
XUESHI_STUDY_REGULAR_COUNT = 10
XUESHI_STUDY_REGULAR_SPREAD_SECONDS = 0.05
XUESHI_STUDY_SHARED_ADDRESS_ACCOUNTS = 5
XUESHI_STUDY_SHARED_ADDRESS_WINDOW_MINUTES = 60
XUESHI_STUDY_NIGHT_HOURS = (0, 5)
XUESHI_STUDY_NIGHT_MINUTES = 30
# The largest lesson file a publisher may upload (a video of an hour at 1 Mbit/s ≈ 450 MB).
XUESHI_LESSON_MAX_BYTES = int(os.environ.get("XUESHI_LESSON_MAX_BYTES", str(600 * 1024 * 1024)))
