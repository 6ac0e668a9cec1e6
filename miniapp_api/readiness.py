"""`banshi check`: is this configuration ready for a city's data centre (等保 2.0 level 3, 密评)?

Settings refuse to start one missing value at a time; this reads them all at once and says every problem,
in Chinese for the city's operators and in English for the logs, then looks at the running parts: the database
and its migrations, the replica's lag, Redis, the working-day calendar for the next 60 days, and the backups
(pgBackRest's own `info`, through platform/backup.py).

Each finding is a failure (the check exits non-zero: it would fail a 等保 review or a 密评, or it breaks the
service) or a warning (worth fixing, not blocking). Nothing here writes to the database or prints a secret:
a finding names a setting, never its value.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import chinese_calendar
from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from config import Settings
from config.settings import AUDIT_MIN_RETENTION_DAYS
from miniapp_api.centres.models import CalendarOverride
from miniapp_api.migrations import heads
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform import backup

# A calendar with fewer known days ahead than this fails: bookings open up to a month ahead, and the State
# Council publishes the next year's 调休 arrangement in November or December.
CALENDAR_DAYS_AHEAD = 60
# A full backup a week and an incremental one a day: the newest backup older than this fails.
BACKUP_MAX_AGE = timedelta(hours=26)
CONNECT_SECONDS = 3


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    key: str      # what was checked, e.g. "proxy_hops"
    level: Level
    zh: str
    en: str

    def line(self) -> str:
        mark = {Level.OK: "[通过 ok  ]", Level.WARN: "[注意 warn]", Level.FAIL: "[不通过 fail]"}[self.level]
        return f"{mark} {self.zh} / {self.en}"


def _ok(key: str, zh: str, en: str) -> Finding:
    return Finding(key, Level.OK, zh, en)


def _fail(key: str, zh: str, en: str) -> Finding:
    return Finding(key, Level.FAIL, zh, en)


def _warn(key: str, zh: str, en: str) -> Finding:
    return Finding(key, Level.WARN, zh, en)


# --- the configuration ------------------------------------------------------------------------------------------


_NAMED = re.compile(r"^([A-Z][A-Z0-9_]+): ")


def settings_from(environ: Mapping[str, str]) -> tuple[Settings | None, list[Finding]]:
    """The settings from exactly these variables (no other source), and one finding per invalid variable.

    Read as development so that the production rules, which stop at the first missing value, are checked
    below one by one; whether this is production is itself a finding."""
    values = {k.lower(): v for k, v in environ.items() if v != ""}
    values["banshi_env"] = "development"

    class Given(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                       **_others: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    findings: list[Finding] = []
    while True:   # an invalid variable is reported, then read as unset, so the rest is still checked
        try:
            return Given(**values), findings
        except ValidationError as exc:
            dropped = False
            for error in exc.errors():
                message = str(error["msg"]).removeprefix("Value error, ")
                field = str(error["loc"][0]) if error["loc"] else ""
                named = _NAMED.match(message)
                if not field and named and named.group(1).lower() in values:   # a rule across variables names one
                    field, message = named.group(1).lower(), message[named.end():]
                name = field.upper() or "CONFIGURATION"
                findings.append(_fail(f"invalid:{name}", f"设置 {name} 的值无效：{message}", f"{name} is invalid: {message}"))
                dropped = values.pop(field, None) is not None or dropped
            if not dropped:   # a rule across variables: nothing left to drop
                return None, findings


REQUIRED_SECRETS = {
    "database_url": "数据库地址", "redis_url": "Redis 地址", "secret_key": "会话密钥",
    "data_key": "个人信息加密密钥", "certificate_signing_key": "电子证照签名密钥",
    "wechat_appid": "小程序 AppID", "wechat_secret": "小程序 AppSecret",
    "sms_secret_id": "短信 SecretId", "sms_secret_key": "短信 SecretKey", "sms_sdk_app_id": "短信应用 SdkAppId",
    "metrics_token": "监控接口令牌",
}


def configuration(environ: Mapping[str, str], settings: Settings) -> list[Finding]:
    """What the settings say, each rule on its own."""
    found: list[Finding] = []
    env = environ.get("BANSHI_ENV", "").strip().lower()
    if env in ("", "production"):
        found.append(_ok("banshi_env", "运行环境为生产环境", "BANSHI_ENV is production"))
    else:
        found.append(_fail("banshi_env", f"BANSHI_ENV 为 {env}，不是生产环境（production）",
                           f"BANSHI_ENV is {env}, not production"))
    for name, label in REQUIRED_SECRETS.items():
        if getattr(settings, name):
            found.append(_ok(name, f"已设置{label}（{name.upper()}）", f"{name.upper()} is set"))
        else:
            found.append(_fail(name, f"未设置{label}（{name.upper()}）", f"{name.upper()} is not set"))
    if settings.proxy_hops is None:
        found.append(_fail("proxy_hops", "未设置 PROXY_HOPS：代理后面的所有访客会被当作同一个人限流",
                           "PROXY_HOPS is not set: behind a proxy every caller shares one rate-limit bucket"))
    else:
        found.append(_ok("proxy_hops", f"PROXY_HOPS 为 {settings.proxy_hops}", f"PROXY_HOPS is {settings.proxy_hops}"))
    if settings.metrics_token and len(settings.metrics_token) < 24:
        found.append(_fail("metrics_token_length", "监控接口令牌太短（至少 24 个字符）",
                           "METRICS_TOKEN is shorter than 24 characters"))
    for name, scheme in (("wechat_api_base", settings.wechat_api_base.split(":", 1)[0]),
                         ("sms_scheme", settings.sms_scheme)):
        if scheme != "https":
            found.append(_fail(name, f"{name.upper()} 未使用 HTTPS（传输未加密）", f"{name.upper()} is not HTTPS"))
    exposed = [("simulator", settings.simulator is True, "手机模拟器"), ("rq_dashboard", settings.rq_dashboard, "任务面板"),
               ("clock_start", settings.clock_start is not None, "测试时钟 CLOCK_START")]
    for name, on, label in exposed:
        if on:
            found.append(_fail(name, f"{label}在生产环境必须关闭（{name.upper()}）", f"{name.upper()} must be off in production"))
    if not settings.console_secure_cookie:
        found.append(_fail("console_secure_cookie", "工作台 Cookie 未限定 HTTPS（CONSOLE_SECURE_COOKIE）",
                           "CONSOLE_SECURE_COOKIE is off"))
    found.extend(cryptography(settings))
    found.extend(audit_retention(settings))
    return found


def cryptography(settings: Settings) -> list[Finding]:
    """密评 (GB/T 39786-2021) asks for the commercial (国密) algorithms on personal data and signatures."""
    suite = str(settings.crypto_suite)
    if suite == "gm":
        return [_ok("crypto_suite", "个人信息和电子证照使用国密算法（SM2/SM3/SM4）", "CRYPTO_SUITE is gm (SM2/SM3/SM4)")]
    return [_fail("crypto_suite", "未使用国密算法（CRYPTO_SUITE 不是 gm）：密评不能通过；"
                                  "先用 banshi keys rotate 把已有数据换成国密，再设置 CRYPTO_SUITE=gm",
                  "CRYPTO_SUITE is not gm: a 密评 (GB/T 39786-2021) fails; move with `banshi keys rotate`, "
                  "then set CRYPTO_SUITE=gm")]


def audit_retention(settings: Settings) -> list[Finding]:
    """等保 2.0 level 3 keeps audit records at least six months (the settings' own floor, one constant)."""
    days = settings.audit_retention_days
    if days < AUDIT_MIN_RETENTION_DAYS:
        return [_fail("audit_retention", f"审计记录只保留 {days} 天，等保要求至少 {AUDIT_MIN_RETENTION_DAYS} 天",
                      f"audit records are kept {days} days, 等保 asks for at least {AUDIT_MIN_RETENTION_DAYS}")]
    return [_ok("audit_retention", f"审计记录保留 {days} 天", f"audit records are kept {days} days")]


# --- the running parts ------------------------------------------------------------------------------------------


def database(settings: Settings, today: date, now: datetime) -> list[Finding]:
    """The database answers, its schema is at the newest migration, and the calendar is known ahead."""
    if not settings.database_url:
        return []
    try:   # a URL that passed the settings may still not make an engine (a bad port): said, never its text
        engine = create_engine(settings.sqlalchemy_url, connect_args={"connect_timeout": CONNECT_SECONDS})
    except (ValueError, ArgumentError) as exc:
        return [_fail("database", "数据库地址无法使用（DATABASE_URL）", f"DATABASE_URL cannot be used ({type(exc).__name__})")]
    try:
        with Session(engine) as session:
            found = [_ok("database", "数据库可以连接", "the database answers")]
            if session.scalar(text("SELECT to_regclass('alembic_version')")) is None:
                return [*found, _fail("migrations", "数据库里还没有 Banshi 的表：请运行 banshi db upgrade",
                                      "the database has no Banshi schema: run `banshi db upgrade`")]
            current = session.scalar(text("SELECT version_num FROM alembic_version"))
            head = ", ".join(heads())
            if current != head:   # the checks below read tables an older schema may not have
                return [*found, _fail("migrations", f"数据库结构不是最新版本（{current} ≠ {head}）：请运行 banshi db upgrade",
                                      f"the schema is at {current}, not {head}: run `banshi db upgrade`")]
            found.append(_ok("migrations", "数据库结构是最新版本", f"the schema is at the newest migration ({head})"))
            found.extend(calendar_ahead(session, today))
            found.extend(audit_chain(session, now))
            return found
    except SQLAlchemyError as exc:
        return [_fail("database", "数据库无法连接或无法读取", f"the database cannot be read ({type(exc).__name__})")]
    finally:
        engine.dispose()


# The nightly job checks the whole chain; a check older than this means the job is not running.
AUDIT_CHECK_MAX_AGE = timedelta(hours=36)


def audit_chain(session: Session, now: datetime) -> list[Finding]:
    """The audit trail's last check (the nightly `seal-audit-days`, or `banshi audit verify`): intact and recent."""
    last = audit_trail.last_check(session)
    if last is None:
        return [_fail("audit_chain", "审计日志还没有做过完整性校验：请运行 banshi audit seal 和 banshi audit verify",
                      "the audit chain was never checked: run `banshi audit seal`, then `banshi audit verify`")]
    if not last.intact:
        return [_fail("audit_chain", f"审计日志完整性校验发现问题：{last.first_break or ''}（请运行 banshi audit verify 查看）",
                      "the audit chain's last check found a break: run `banshi audit verify`")]
    if now - last.checked_at > AUDIT_CHECK_MAX_AGE:
        return [_fail("audit_chain", "审计日志超过 36 小时没有校验：每晚的封存任务（seal-audit-days）可能没有运行",
                      "the audit chain was not checked for 36 hours: is the scheduler running seal-audit-days?")]
    return [_ok("audit_chain", f"审计日志完整（已校验 {last.rows} 条）", f"the audit chain is intact ({last.rows} rows)")]


def calendar_ahead(session: Session, today: date, days: int = CALENDAR_DAYS_AHEAD) -> list[Finding]:
    """Every day of the next `days` is known: from chinese-calendar's data, or from a year whose 调休 notice an
    admin entered (at least one override in that year). A year with neither falls back to plain weekdays, and
    its holidays would open for booking."""
    missing: list[int] = []
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        if day.year in missing:
            continue
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            entered = session.scalar(select(func.count()).select_from(CalendarOverride)
                                     .where(CalendarOverride.day >= date(day.year, 1, 1),
                                            CalendarOverride.day <= date(day.year, 12, 31)))
            if not entered:
                missing.append(day.year)
    if not missing:
        return [_ok("calendar", f"未来 {days} 天的节假日安排已知", f"holidays are known for the next {days} days")]
    years = "、".join(str(y) for y in missing)
    return [_fail("calendar", f"缺少 {years} 年的节假日安排：这些日期只能按周一至周五上班计算，法定节假日会被当作工作日开放预约。"
                              "请管理员在工作台“服务中心设置”页的“工作日历”中按国务院办公厅的放假通知录入调休和放假日期",
                  f"no holiday data for {years}: those days fall back to plain weekdays; enter the State Council's "
                  "notice in the console (centre setup → working-day calendar)")]


def replica(settings: Settings) -> list[Finding]:
    if not settings.database_replica_url:
        return []
    try:
        engine = create_engine(settings.sqlalchemy_replica_url or "", connect_args={"connect_timeout": CONNECT_SECONDS})
    except (ValueError, ArgumentError) as exc:
        return [_fail("replica", "只读副本地址无法使用（DATABASE_REPLICA_URL）",
                      f"DATABASE_REPLICA_URL cannot be used ({type(exc).__name__})")]
    try:
        with engine.connect() as connection:
            # Caught up (all it received is replayed) is no lag, however long the primary has been idle.
            in_recovery, lag = connection.execute(text(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END")).one()
    except SQLAlchemyError as exc:
        return [_fail("replica", "只读副本无法连接", f"the replica cannot be reached ({type(exc).__name__})")]
    finally:
        engine.dispose()
    if not in_recovery:
        return [_fail("replica", "DATABASE_REPLICA_URL 指向的不是只读副本（它不在复制状态）",
                      "DATABASE_REPLICA_URL names a server that is not a streaming replica")]
    if lag is not None and float(lag) > settings.replica_max_lag_seconds:
        return [_warn("replica", f"只读副本落后 {float(lag):.1f} 秒（超过 {settings.replica_max_lag_seconds:g} 秒时不使用它）",
                      f"the replica is {float(lag):.1f} s behind (over REPLICA_MAX_LAG_SECONDS it is not read)")]
    return [_ok("replica", "只读副本正常复制", "the replica is streaming")]


def redis(settings: Settings) -> list[Finding]:
    if not settings.redis_url or settings.redis_sentinels:
        return []
    try:   # a password with a / or # in it breaks the URL: said by its kind, never its text (it holds the secret)
        client = Redis.from_url(settings.redis_url, socket_timeout=CONNECT_SECONDS, socket_connect_timeout=CONNECT_SECONDS)
    except ValueError as exc:
        return [_fail("redis", "Redis 地址无法使用（REDIS_URL，密码里的 / 或 # 需要转义）",
                      f"REDIS_URL cannot be used ({type(exc).__name__})")]
    try:
        client.ping()
    except RedisError as exc:
        return [_fail("redis", "Redis 无法连接：消息和提醒发不出去", f"Redis cannot be reached ({type(exc).__name__})")]
    finally:
        client.close()
    return [_ok("redis", "Redis 可以连接", "Redis answers")]


def backups(settings: Settings, now: datetime) -> list[Finding]:
    """pgBackRest is configured for the stanza (`banshi backup init`) and its newest backup is recent."""
    if not Path(settings.backup_config_path).exists():
        return [_fail("backup", f"未配置备份（没有 {settings.backup_config_path}）：请运行 banshi backup init",
                      f"no backup is configured ({settings.backup_config_path} is missing): run `banshi backup init`")]
    try:
        report = backup.parse_info(backup.run(settings, "--output=json", "info", timeout=60), settings.backup_stanza)
    except (backup.BackupError, OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError) as exc:
        return [_fail("backup", "无法读取备份信息（pgbackrest info 出错）", f"`pgbackrest info` failed ({type(exc).__name__})")]
    last = report.last
    if last is None:
        return [_fail("backup", "还没有任何备份：请运行 banshi backup run --type full", "there is no backup yet")]
    hours = (now - last.stopped).total_seconds() / 3600
    if now - last.stopped > BACKUP_MAX_AGE:
        return [_fail("backup", f"最近一次备份在 {hours:.0f} 小时前，超过 {BACKUP_MAX_AGE.total_seconds() / 3600:.0f} 小时",
                      f"the newest backup is {hours:.0f} h old")]
    return [_ok("backup", f"最近一次备份在 {hours:.1f} 小时前", f"the newest backup is {hours:.1f} h old")]


def check(environ: Mapping[str, str], *, now: datetime, today: date) -> list[Finding]:
    """Every finding for this environment, configuration first."""
    settings, invalid = settings_from(environ)
    if settings is None:
        return invalid
    return [*invalid, *configuration(environ, settings), *database(settings, today, now), *replica(settings), *redis(settings),
            *backups(settings, now)]


def failed(findings: Iterable[Finding]) -> bool:
    return any(f.level is Level.FAIL for f in findings)
