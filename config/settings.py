"""Settings read from environment variables, validated once at start-up.

A production process refuses to start when a required value is missing or
malformed, with one line naming the variable. Development and testing fill
in throw-away secrets (kept in the instance folder, never in the repo) so the
zero-setup run command works on a fresh machine.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The shortest audit retention accepted: platform.audit.MIN_RETENTION_DAYS (a test keeps the two equal).
AUDIT_MIN_RETENTION_DAYS = 180


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one line naming it."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


def parse_sentinels(raw: str) -> list[tuple[str, int]]:
    """REDIS_SENTINELS: host:port pairs separated by commas."""
    nodes = []
    for part in raw.split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("must be host:port pairs separated by commas, e.g. 10.0.0.5:26379,10.0.0.6:26379")
        nodes.append((host, int(port)))
    return nodes


def parse_data_keys(raw: str) -> dict[str, bytes]:
    """Parse DATA_KEY: `kid:base64key[,kid:base64key...]`, newest first.

    A bare base64 key is accepted as key id `k1`. Every key must decode to
    32 bytes (an AES-256-GCM key, CRYPTO_SUITE=intl) or 16 bytes (an SM4-GCM
    key, CRYPTO_SUITE=gm). Older keys stay listed so old ciphertexts still
    decrypt after a rotation.
    """
    keys: dict[str, bytes] = {}
    for index, part in enumerate(p.strip() for p in raw.split(",") if p.strip()):
        kid, sep, encoded = part.partition(":")
        if not sep:
            kid, encoded = f"k{index + 1}", part
        if not kid.isalnum():
            raise ValueError(f"key id {kid!r} must be letters and digits")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"key {kid!r} is not valid base64") from exc
        if len(key) not in (32, 16):
            raise ValueError(f"key {kid!r} must decode to 32 bytes (AES-256) or 16 bytes (SM4), got {len(key)}")
        if kid in keys:
            raise ValueError(f"key id {kid!r} is listed twice")
        keys[kid] = key
    if not keys:
        raise ValueError("no key given")
    return keys


def parse_retired_keys(raw: str) -> list[tuple[str, date | None]]:
    """Parse CERTIFICATE_RETIRED_KEYS: `publickey[@YYYY-MM-DD][,publickey[@YYYY-MM-DD]...]`.

    Each public key is the base64 of a public key that signed before a rotation: 32 bytes for Ed25519, 65 bytes
    (04|x|y) for SM2; with a date,
    the key is revoked from that day (Asia/Shanghai): what it signed on or after that day no longer verifies.
    """
    keys: list[tuple[str, date | None]] = []
    for index, part in enumerate((p.strip() for p in raw.split(",") if p.strip()), start=1):
        encoded, sep, day = part.partition("@")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {index} is not valid base64") from None
        if len(key) not in (32, 65):
            raise ValueError(f"key {index} must decode to a 32-byte Ed25519 or a 65-byte SM2 public key, "
                             f"got {len(key)} bytes")
        revoked_from = None
        if sep:
            try:
                revoked_from = date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"key {index}: the revocation date must be YYYY-MM-DD, got {day!r}") from None
        if any(encoded == seen for seen, _ in keys):
            raise ValueError(f"key {index} is listed twice")
        keys.append((encoded, revoked_from))
    return keys


def new_data_key(suite: str = "intl") -> str:
    """A fresh data key: 32 bytes for AES-256-GCM (intl), 16 bytes for SM4-GCM (gm)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16 if suite == "gm" else 32)).decode().rstrip("=")


# GB/T 32918.5: the order n of the SM2 curve; an SM2 private key is an integer from 1 to n - 2.
_SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def new_signing_key(suite: str = "intl") -> str:
    """A fresh certificate signing key, base64 of 32 bytes: an Ed25519 seed, or an SM2 private integer."""
    while True:
        raw = secrets.token_bytes(32)
        if suite != "gm" or 1 <= int.from_bytes(raw, "big") <= _SM2_ORDER - 2:
            return base64.b64encode(raw).decode()


def psycopg_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Settings(BaseSettings):
    """Every variable is documented in config/.env.example."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # Fail closed: without BANSHI_ENV this is production (every secret required, no simulator, no dashboard).
    # `./run` and the tests say development / testing explicitly.
    banshi_env: Environment = Environment.PRODUCTION
    database_url: str | None = None
    # A streaming replica of DATABASE_URL for reads that may be a second stale (public slot, item and centre
    # listings). Unset: everything reads the primary. A replica that is down, or behind by more than
    # REPLICA_MAX_LAG_SECONDS, is left alone until it is back (checked at most every REPLICA_CHECK_SECONDS).
    database_replica_url: str | None = None
    replica_max_lag_seconds: float = Field(default=1.0, ge=0, le=600)
    replica_check_seconds: float = Field(default=1.0, ge=0, le=60)
    # How long each process keeps a public listing (slots, items, centres) before asking the database again;
    # unset: 2 s, and 0 (off) in tests, which book and list again at once.
    public_cache_seconds: float | None = Field(default=None, ge=0, le=60)
    # At the hall: "前面还有 N 人" is pushed when the people ahead of a ticket drop to this many.
    queue_near_ahead: int = Field(default=3, ge=0, le=20)
    redis_url: str | None = None
    # Tencent Cloud SMS (SendSms, API 3.0): the second channel for important messages to people without a
    # WeChat consent (notifications/sms.py). Unset: no SMS. SMS_ENDPOINT/SMS_SCHEME point development at the
    # emulator.
    sms_secret_id: str | None = None
    sms_secret_key: str | None = None
    sms_sdk_app_id: str | None = None
    sms_sign_name: str = "办事通"
    sms_endpoint: str = "sms.tencentcloudapi.com"
    sms_scheme: Literal["https", "http"] = "https"
    sms_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    sms_daily_cap: int = Field(default=3, ge=0, le=20)
    secret_key: str | None = None
    # The cryptographic suite (miniapp_api/platform/crypto_suite.py): "intl" (AES-256-GCM, HMAC-SHA256, Ed25519,
    # SHA-256) or "gm", 国密 (SM4-GCM, HMAC-SM3, SM2 over SM3, SM3). It decides the kind of the newest DATA_KEY
    # and of CERTIFICATE_SIGNING_KEY; older keys of the other suite may stay listed while a store moves.
    crypto_suite: Literal["intl", "gm"] = "intl"
    # A store moved from intl to gm (intl keys still listed after the gm key in DATA_KEY): while false, each lookup
    # by an ID or phone number asks for its gm hash or its intl one; set true once `banshi keys rotate` has
    # reported the move done (no intl hash left), so lookups ask for the gm hash only.
    crypto_move_done: bool = False
    data_key: str | None = None
    # The private key signing electronic certificates (电子证照) and inspection conclusions: base64 of its 32 raw
    # bytes, an Ed25519 seed (intl) or an SM2 private integer (gm). `banshi signing-key` shows its public key.
    certificate_signing_key: str | None = None
    # The public keys of earlier certificate signing keys, so what they signed still verifies after a rotation:
    # `publickey[@YYYY-MM-DD],...` (base64 of each public key, 32 bytes for Ed25519 or 65 for SM2; a date revokes
    # it from that day).
    certificate_retired_keys: str | None = None
    wechat_appid: str | None = None
    wechat_secret: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # This mini-program's subscribe-message templates and the SMS templates its provider approved (ids differ per
    # city): message kind groups → template id and fields.
    wechat_templates_file: Path = PROJECT_ROOT / "config" / "wechat_templates.json"
    sms_templates_file: Path = PROJECT_ROOT / "config" / "sms_templates.json"
    timezone: str = "Asia/Shanghai"
    instance_path: Path = PROJECT_ROOT / "instance"
    session_days: int = Field(default=30, ge=1, le=365)
    # 注销: how long after the request the personal data is erased (the cancellation messages go out first).
    account_erase_after_minutes: int = Field(default=60, ge=0, le=60 * 24 * 30)
    # Retention periods in days per kind of record, over the defaults in accounts/retention.py (JSON).
    retention_days: dict[str, int] = Field(default_factory=dict)
    # How long audit rows are kept, in days: at least 180 (the Cybersecurity Law's six months of logs), three
    # years unless set. Pruned whole signed days at a time (platform/audit.py).
    audit_retention_days: int = 1095
    max_content_length: int = Field(default=1_048_576, ge=1024)
    # Uploads (files/): the one route with bodies past MAX_CONTENT_LENGTH; each kind has its own limit below it.
    upload_max_bytes: int = Field(default=25 * 1_048_576, ge=1024)
    # Where uploaded files live: "local" (FILE_STORAGE_PATH, default instance/files) or "s3" (S3_* below).
    file_storage: Literal["local", "s3"] = "local"
    file_storage_path: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # How long a signed file link (an image in a page, a PDF) works.
    file_link_seconds: int = Field(default=600, ge=10, le=86_400)
    # A report (报表) with more detail rows than this is built by a job instead of answered at once.
    report_direct_rows: int = Field(default=5000, ge=1, le=50_000)
    log_level: str = "INFO"
    log_json: bool = True
    # The access log (one line a request on standard output, written by the app whatever server runs it:
    # platform/observability.py AccessLog): on unless BANSHI_ENV=testing, unless set.
    access_log: bool | None = None
    rq_dashboard: bool = False
    console_secure_cookie: bool = True
    simulator: bool | None = None  # the phone simulator at /simulator/: on unless production, unless set
    rate_limits: bool = True
    # /metrics: with a token, only `Authorization: Bearer <token>` reads it; production without one closes it.
    metrics_token: str | None = None
    # Connect and read timeout of every Redis call on the request path (rate limits, enqueue after commit,
    # WeChat's shared token). Redis is never on the critical path of a citizen's write: a slow or absent
    # Redis costs at most this per call, then the request goes on without it.
    redis_timeout_seconds: float = Field(default=0.5, gt=0, le=10)
    # Redis Sentinel: "host:port,host:port,…" of the Sentinels; REDIS_URL then gives only the database number
    # and password, and the master is whatever the Sentinels say REDIS_MASTER_NAME is now.
    redis_sentinels: str | None = None
    redis_master_name: str = "banshi"
    # How many proxies sit in front of gunicorn (their X-Forwarded-For is trusted that deep). Required in
    # production: a wrong 0 behind a proxy puts every caller in one rate-limit bucket.
    proxy_hops: int | None = Field(default=None, ge=0, le=5)
    # Backups with pgBackRest (`banshi backup ...`, docs/backup.md): the stanza (pgBackRest's name for this
    # database cluster), the repository folder, the configuration file `banshi backup init` writes and the
    # archive_command names, and where pgBackRest logs. BACKUP_RUN_AS: the operating-system user pgBackRest runs
    # as when `banshi` runs as root (the server's own user, which must read the data directory).
    backup_stanza: str = Field(default="banshi", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    backup_repo_path: Path = Path("/var/lib/pgbackrest")
    backup_config_path: Path = Path("/etc/pgbackrest/pgbackrest.conf")
    backup_log_path: Path = Path("/var/log/pgbackrest")
    backup_run_as: str | None = Field(default="postgres", pattern=r"^([a-z_][a-z0-9_-]{0,31})?$")   # empty: as is
    # Retention: full backups kept (with the differential/incremental backups and WAL that depend on them), and
    # differential backups kept.
    backup_retention_full: int = Field(default=2, ge=1, le=100)
    backup_retention_diff: int = Field(default=7, ge=1, le=100)
    # archive_timeout (seconds): a quiet server still closes and archives its WAL at least this often, which
    # bounds what a lost data directory can lose (the RPO).
    backup_archive_timeout: int = Field(default=60, ge=1, le=3600)
    # Encrypts the repository (pgBackRest's aes-256-cbc): backups hold ID numbers and names. Kept only in the
    # configuration file (mode 0640), never on a command line.
    backup_cipher_pass: str | None = Field(default=None, min_length=20)
    # Tests start worker processes on the clock of the test (time-machine moves only its own process):
    # the process's clock starts at this instant and runs on from there. Refused in production.
    clock_start: datetime | None = None
    # With CLOCK_START: the real instant it stands for. Processes started at different moments then share one
    # clock (without it each starts at CLOCK_START when it starts).
    clock_anchor: datetime | None = None

    @field_validator("database_url", "database_replica_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (Banshi runs on PostgreSQL only)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinel_nodes(cls, value: str | None) -> str | None:
        if value is not None:
            parse_sentinels(value)
        return value

    @field_validator("wechat_api_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from exc
        return value

    @field_validator("data_key")
    @classmethod
    def _valid_data_key(cls, value: str | None) -> str | None:
        if value is not None:
            parse_data_keys(value)
        return value

    @field_validator("certificate_signing_key")
    @classmethod
    def _signing_key(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                raw = base64.b64decode(value, validate=True)
            except ValueError:
                raise ValueError("must be base64 of a 32-byte private key (Ed25519, or SM2 with CRYPTO_SUITE=gm)") \
                    from None
            if len(raw) != 32:
                raise ValueError("must be base64 of a 32-byte private key (Ed25519, or SM2 with CRYPTO_SUITE=gm)")
        return value

    @field_validator("certificate_retired_keys")
    @classmethod
    def _retired_public_keys(cls, value: str | None) -> str | None:
        if value is not None:
            parse_retired_keys(value)
        return value

    @field_validator("retention_days")
    @classmethod
    def _audit_retention_apart(cls, value: dict[str, int]) -> dict[str, int]:
        if "audit_log" in value:
            raise ValueError("the audit log's period is set with AUDIT_RETENTION_DAYS, not here")
        return value

    @field_validator("audit_retention_days")
    @classmethod
    def _audit_kept_long_enough(cls, value: int) -> int:
        if value < AUDIT_MIN_RETENTION_DAYS:
            raise ValueError(f"audit rows must be kept at least {AUDIT_MIN_RETENTION_DAYS} days (the Cybersecurity "
                             f"Law asks for six months of logs); got {value}")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _production_requires_everything(self) -> Settings:
        if self.banshi_env is Environment.PRODUCTION:
            unset = "" if "banshi_env" in self.model_fields_set else (
                " (BANSHI_ENV is not set, which means production; on a development machine set BANSHI_ENV=development)")
            for name in ("database_url", "redis_url", "secret_key", "data_key", "wechat_appid", "wechat_secret",
                         "certificate_signing_key"):
                if not getattr(self, name):
                    raise ValueError(f"{name.upper()} is required when BANSHI_ENV=production{unset}")
            if self.proxy_hops is None:
                raise ValueError("PROXY_HOPS is required when BANSHI_ENV=production: 0 when clients reach gunicorn "
                                 "directly, else the number of proxies in front of it")
            if self.clock_start is not None:
                raise ValueError("CLOCK_START is for tests only and is refused when BANSHI_ENV=production")
        self._keys_fit_the_suite()
        if self.file_storage == "s3" and not self.s3_bucket:
            raise ValueError("S3_BUCKET is required when FILE_STORAGE=s3")
        if self.clock_start is not None and self.clock_start.tzinfo is None:
            raise ValueError("CLOCK_START must carry its UTC offset, e.g. 2026-11-23T08:00:00+08:00")
        return self

    def _keys_fit_the_suite(self) -> None:
        """The newest data key and the signing key are of CRYPTO_SUITE's kind (older keys may be of either)."""
        if self.data_key:
            newest = next(iter(parse_data_keys(self.data_key).items()))
            size = 16 if self.crypto_suite == "gm" else 32
            if len(newest[1]) != size:
                kind = "a 16-byte SM4 key" if self.crypto_suite == "gm" else "a 32-byte AES-256 key"
                raise ValueError(f"DATA_KEY: with CRYPTO_SUITE={self.crypto_suite} the first (newest) key must be "
                                 f"{kind}; key {newest[0]!r} is {len(newest[1])} bytes (`banshi keys new` makes one)")
        if self.certificate_signing_key and self.crypto_suite == "gm":
            value = int.from_bytes(base64.b64decode(self.certificate_signing_key), "big")
            if not 1 <= value <= _SM2_ORDER - 2:
                raise ValueError("CERTIFICATE_SIGNING_KEY: with CRYPTO_SUITE=gm it must be an SM2 private key, "
                                 "an integer from 1 to n-2 (`banshi keys new` makes one)")

    @property
    def simulator_enabled(self) -> bool:
        return self.simulator if self.simulator is not None else not self.is_production

    @property
    def access_log_enabled(self) -> bool:
        return self.access_log if self.access_log is not None else self.banshi_env != "testing"

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_secret_id and self.sms_secret_key and self.sms_sdk_app_id)

    @property
    def files_root(self) -> Path:
        return self.file_storage_path or self.instance_path / "files"

    @property
    def is_production(self) -> bool:
        return self.banshi_env is Environment.PRODUCTION

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def data_keys(self) -> dict[str, bytes]:
        assert self.data_key is not None, "settings were not completed"
        return parse_data_keys(self.data_key)

    @property
    def retired_certificate_keys(self) -> list[tuple[str, date | None]]:
        return parse_retired_keys(self.certificate_retired_keys) if self.certificate_retired_keys else []

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg 3 driver named, whatever form was given."""
        assert self.database_url is not None, "DATABASE_URL is not set"
        return psycopg_url(self.database_url)

    @property
    def sqlalchemy_replica_url(self) -> str | None:
        return psycopg_url(self.database_replica_url) if self.database_replica_url else None

    def with_local_secrets(self) -> Settings:
        """Fill missing secrets for development/testing from instance/dev-secrets.json.

        The file is created on first use with fresh random values and is
        git-ignored, so no secret ever lives in the repository.
        """
        if self.is_production:
            return self
        gm = self.crypto_suite == "gm"
        missing = {
            "secret_key": lambda: secrets.token_urlsafe(48),
            "data_key": lambda: ("g1:" if gm else "k1:") + new_data_key(self.crypto_suite),
            "certificate_signing_key": lambda: new_signing_key(self.crypto_suite),
            "wechat_appid": lambda: "wx" + secrets.token_hex(8),
            "wechat_secret": lambda: secrets.token_hex(16),
            "sms_secret_id": lambda: "AKID" + secrets.token_hex(16),
            "sms_secret_key": lambda: secrets.token_hex(16),
            "sms_sdk_app_id": lambda: "1400" + str(secrets.randbelow(10**6)).zfill(6),
        }
        if all(getattr(self, name) for name in missing):
            return self
        path = self.instance_path / "dev-secrets.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        # The keys of each suite are kept apart, so switching CRYPTO_SUITE on a development machine finds its own.
        kept_as = {name: f"{name}_gm" if gm and name in ("data_key", "certificate_signing_key") else name
                   for name in missing}
        changed = False
        for name, make in missing.items():
            if kept_as[name] not in stored:
                stored[kept_as[name]] = make()
                changed = True
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stored, indent=2))
            path.chmod(0o600)
        filled = {name: getattr(self, name) or stored[kept_as[name]] for name in missing}
        return self.model_copy(update=filled)


def _first_error_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = ".".join(str(p) for p in error["loc"]).upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}: {message}" if name else message


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise ConfigError with one clear line."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_first_error_line(exc)}") from None
    return settings.with_local_secrets()
