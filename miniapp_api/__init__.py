"""Banshi (办事通) web application: the mini-program API and the staff console."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from flask import abort, redirect, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import APIBlueprint, Info, OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigError, Settings, load_settings
from miniapp_api import bootstrap, compose  # noqa: F401  (compose: the routes spanning domain groups)
from miniapp_api.accounts.retention import periods
from miniapp_api.certificates.signing import KeyRing
from miniapp_api.citizens import services as citizens
from miniapp_api.console import init_console
from miniapp_api.console.auth import signed_in_staff
from miniapp_api.files.views import UPLOAD_PATH
from miniapp_api.health import bp as health_bp
from miniapp_api.metrics import bp as metrics_bp
from miniapp_api.notifications.sms import SmsChannel
from miniapp_api.platform import clock, crypto_suite, unit_of_work
from miniapp_api.platform.auth import init_auth
from miniapp_api.platform.db import db
from miniapp_api.platform.domains import resolve
from miniapp_api.platform.errors import (
    register_error_handlers,
    validation_error_response,
)
from miniapp_api.platform.headers import init_security_headers
from miniapp_api.platform.http_cache import init_public_cache
from miniapp_api.platform.observability import AccessLog, configure_logging, init_request_logging
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.queues import redis_store
from miniapp_api.platform.rate_limits import (
    count_storage_failures,
    limiter,
    storage_options,
    storage_uri,
)
from miniapp_api.platform.storage import LocalStorage, S3Storage
from miniapp_api.simulator.views import bp as simulator_bp
from miniapp_api.sms import SmsConfig, SmsGateway
from miniapp_api.staff import services as staff_services
from miniapp_api.staff.models import Role
from miniapp_api.wechat import WeChatGateway

API_VERSION = "1.0.0"
UPLOAD_PATHS = frozenset({UPLOAD_PATH})

def constant(value: object) -> Callable[[Settings], object]:
    return lambda _settings: value


# Every app.config key, from the settings attribute of that name or a function of the settings, in one place.
APP_CONFIG: dict[str, str | Callable[[Settings], object]] = {
    "QUEUE_NEAR_AHEAD": "queue_near_ahead",
    # The call screens' rotating check-in codes (appointments/presence.py): a key of its own from the secret.
    "PRESENCE_KEY": lambda s: hmac.new(s.secret_key.encode(), b"banshi presence codes", hashlib.sha256).digest(),
    "SECRET_KEY": "secret_key",
    "MAX_CONTENT_LENGTH": "max_content_length",
    "SQLALCHEMY_URL": "sqlalchemy_url",
    "SQLALCHEMY_REPLICA_URL": "sqlalchemy_replica_url",
    "REPLICA_MAX_LAG_SECONDS": "replica_max_lag_seconds",
    "REPLICA_CHECK_SECONDS": "replica_check_seconds",
    "REDIS_URL": "redis_url",
    # Not REDIS_SENTINELS / REDIS_MASTER_NAME: rq-dashboard reads those names as its own legacy settings.
    "BANSHI_REDIS_SENTINELS": "redis_sentinels",
    "BANSHI_REDIS_MASTER_NAME": "redis_master_name",
    "SESSION_DAYS": "session_days",
    "ACCOUNT_ERASE_AFTER": lambda s: timedelta(minutes=s.account_erase_after_minutes),
    "RETENTION_DAYS": lambda s: periods({**s.retention_days, "audit_log": s.audit_retention_days}),
    # The console's cookie: never readable by scripts, not sent on cross-site requests, HTTPS only
    # unless explicitly relaxed for plain-HTTP development (browsers accept Secure on localhost).
    "SESSION_COOKIE_NAME": constant("banshi_console"),
    "SESSION_COOKIE_HTTPONLY": constant(True),
    "SESSION_COOKIE_SAMESITE": constant("Lax"),
    "SESSION_COOKIE_SECURE": "console_secure_cookie",
    "PERMANENT_SESSION_LIFETIME": constant(timedelta(hours=12)),
    "BANSHI_SETTINGS": lambda s: s,
    "RATELIMIT_ENABLED": "rate_limits",
    "RATELIMIT_STORAGE_URI": lambda s: storage_uri(s.redis_url, s.redis_sentinels, s.redis_master_name),
    # Redis away: never a 500 for it. Limits are kept per process in memory until Redis is back
    # (flask-limiter checks again with backoff), and each failure is logged and counted.
    "RATELIMIT_STORAGE_OPTIONS": lambda s: storage_options(s.redis_timeout_seconds, s.redis_sentinels),
    "RATELIMIT_SWALLOW_ERRORS": constant(True),
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": constant(True),
    "REDIS_TIMEOUT_SECONDS": "redis_timeout_seconds",
    "METRICS_TOKEN": "metrics_token",
    "METRICS_OPEN_WITHOUT_TOKEN": lambda s: not s.is_production,
    "FILE_LINK_SECONDS": "file_link_seconds",
    "REPORT_DIRECT_ROWS": "report_direct_rows",
    "WECHAT_TEMPLATES_FILE": "wechat_templates_file",
    "SMS_TEMPLATES_FILE": "sms_templates_file",
}


def create_app(settings: Settings | None = None) -> OpenAPI:
    """Build the app from validated settings (read from the environment when not given)."""
    settings = settings or load_settings()
    if not settings.database_url or not settings.redis_url:
        raise ConfigError("invalid configuration: DATABASE_URL and REDIS_URL must be set "
                          "(`banshi dev` starts embedded ones for development)")
    configure_logging(settings.log_level, settings.log_json)
    clock.start_at(settings.clock_start, settings.clock_anchor)
    crypto_suite.use(settings.crypto_suite)

    app = BanshiApp(
        __name__,
        info=Info(title="Banshi 办事通 API", version=API_VERSION,
                  description="政务服务小程序后端：预约、办件进度、诉求与好差评"),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "opaque"},
                          "staff_bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "bss_ opaque"}},
        validation_error_status=422,
        validation_error_callback=validation_error_response,
        doc_prefix="/api/v1",
        doc_url="/openapi.json",
    )
    app.json = SafeJSONProvider(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    app.config.update({key: setting(settings) if callable(setting) else getattr(settings, setting)
                       for key, setting in APP_CONFIG.items()})

    db.init_app(app)
    redis_store.init_app(app)
    unit_of_work.install()
    _init_services(app, settings)
    bootstrap.wire(app.extensions)
    register_error_handlers(app)
    init_request_logging(app)

    @app.before_request
    def _refuse_oversized_bodies() -> None:
        # Uploads alone may be larger; each kind of file has its own limit below this (files/checks.py).
        limit = settings.upload_max_bytes if request.path in UPLOAD_PATHS else settings.max_content_length
        request.max_content_length = limit
        if (request.content_length or 0) > limit:
            abort(413)

    unit_of_work.init_read_only(app)   # before authentication, whose query it concerns
    init_public_cache(app, settings.public_cache_seconds if settings.public_cache_seconds is not None
                      else 0.0 if settings.banshi_env == "testing" else 2.0)
    # Before the limiter: per-citizen limits need the caller.
    init_auth(app, citizen=citizens.authenticate, staff=staff_services.authenticate_api)
    limiter.init_app(app)
    count_storage_failures()
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    for domain in bootstrap.declarations():
        for name in domain.blueprints:
            blueprint = resolve(name)
            if isinstance(blueprint, APIBlueprint):
                app.register_api(blueprint)
            else:
                app.register_blueprint(blueprint)   # plain pages: the file links, the certificate check
    init_console(app, [page for domain in bootstrap.declarations() for page in domain.console_pages])
    init_security_headers(app, hsts=settings.is_production)
    if settings.simulator_enabled:
        app.register_blueprint(simulator_bp)
    if settings.rq_dashboard or settings.banshi_env == "development":
        _mount_rq_dashboard(app, settings.redis_url)
    if settings.access_log_enabled:   # outermost: the line names the peer the server saw, as a server's log would
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app


class BanshiApp(unit_of_work.RequestTransaction, OpenAPI):
    """The API app: each request's transaction is committed (or rolled back) in one place."""


class SafeJSONProvider(DefaultJSONProvider):
    """JSON nested deeper than the parser's recursion limit is bad input (422), not a crash (500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def field_cipher(settings: Settings) -> FieldCipher:
    """The data key ring of the settings, as every process uses it."""
    return FieldCipher(settings.data_keys, answer_old_hashes=not settings.crypto_move_done)


def signing_ring(settings: Settings) -> KeyRing:
    """The signing key ring of the settings (ConfigError when it is not one)."""
    if not settings.certificate_signing_key:
        raise ConfigError("invalid configuration: CERTIFICATE_SIGNING_KEY must be set (electronic certificates)")
    try:
        return KeyRing.of(settings.certificate_signing_key, settings.retired_certificate_keys, settings.crypto_suite)
    except ValueError as exc:
        raise ConfigError(f"invalid configuration: CERTIFICATE_RETIRED_KEYS: {exc}") from None


def _init_services(app: OpenAPI, settings: Settings) -> None:
    app.extensions["banshi.cipher"] = field_cipher(settings)
    app.extensions["banshi.keyring"] = signing_ring(settings)
    app.extensions["banshi.storage"] = (
        S3Storage(bucket=settings.s3_bucket or "", endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                  access_key_id=settings.s3_access_key_id, secret_access_key=settings.s3_secret_access_key,
                  timeout_seconds=settings.s3_timeout_seconds)
        if settings.file_storage == "s3" else LocalStorage(settings.files_root))

    @cache
    def wechat_gateway() -> WeChatGateway:
        return WeChatGateway(settings.wechat_appid or "", settings.wechat_secret or "", settings.wechat_api_base,
                             redis_store.client, settings.wechat_timeout_seconds)

    app.extensions["banshi.wechat"] = wechat_gateway

    @cache
    def sms_channel() -> SmsChannel | None:
        if not settings.sms_enabled:
            return None
        return SmsChannel(gateway=SmsGateway(SmsConfig(
            settings.sms_secret_id or "", settings.sms_secret_key or "", settings.sms_sdk_app_id or "",
            settings.sms_sign_name, endpoint=settings.sms_endpoint, scheme=settings.sms_scheme,
            timeout_seconds=settings.sms_timeout_seconds)), cipher=app.extensions["banshi.cipher"],
            daily_cap=settings.sms_daily_cap)

    app.extensions["banshi.sms"] = sms_channel


def _mount_rq_dashboard(app: OpenAPI, redis_url: str) -> None:
    # Imported only when mounted (never in production): importing rq_dashboard builds its blueprint and
    # reads its own settings, work a process without the dashboard should not do.
    import rq_dashboard

    app.config.from_object(rq_dashboard.default_settings)
    app.config["RQ_DASHBOARD_REDIS_URL"] = [redis_url]
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/rq")

    @app.before_request
    def _rq_dashboard_is_for_admins():
        """Queues show job arguments (ids of citizens' records): admins signed in to the console only."""
        if request.blueprint != "rq_dashboard":
            return None
        try:
            staff = signed_in_staff()
        except staff_services.StaffAuthFailed:
            return redirect("/console/login?next=/console/notifications")
        if not staff.has_role(Role.ADMIN):
            abort(404)
        # Its actions (delete, requeue, empty) carry no CSRF token: they must come from a page of this very
        # site, as the Origin (or, failing that, the Referer) header shows. A mutating GET is refused outright.
        changes = request.method not in ("GET", "HEAD") or "/requeue/" in request.path
        if changes and (request.method == "GET" or not _same_origin()):
            abort(403)
        return None


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return source.rstrip("/") == request.host_url.rstrip("/") or source.startswith(request.host_url)
