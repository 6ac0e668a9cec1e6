"""`banshi check`: every problem of a production configuration at once, in Chinese and English, non-zero on any."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url
from sqlalchemy import delete

from config.settings import new_data_key, new_signing_key
from miniapp_api import readiness
from miniapp_api.migrations import upgrade
from miniapp_api.platform import audit
from tests.conftest import recreate_database
from miniapp_api.centres.models import CalendarOverride
from miniapp_api.cli import main
from miniapp_api.readiness import Level

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def complete(settings) -> dict[str, str]:
    """A production environment with every value given, on the test database and Redis."""
    return {"BANSHI_ENV": "production", "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
            "SECRET_KEY": secrets.token_urlsafe(40), "DATA_KEY": "k1:" + new_data_key("gm"),
            "CERTIFICATE_SIGNING_KEY": new_signing_key("gm"),
            "WECHAT_APPID": "wx0123456789abcdef", "WECHAT_SECRET": secrets.token_hex(16),
            "SMS_SECRET_ID": "AKID" + secrets.token_hex(16), "SMS_SECRET_KEY": secrets.token_hex(16),
            "SMS_SDK_APP_ID": "1400123456", "METRICS_TOKEN": secrets.token_urlsafe(32), "PROXY_HOPS": "1",
            "CRYPTO_SUITE": "gm", "BACKUP_CONFIG_PATH": "/nonexistent/banshi-check/pgbackrest.conf"}


def by_key(findings) -> dict[str, readiness.Finding]:
    return {f.key: f for f in findings}


def test_every_missing_setting_is_named_not_only_the_first(settings):
    findings = readiness.check({"BANSHI_ENV": "production", "SECRET_KEY": "short", "PROXY_HOPS": "9",
                                "SMS_SCHEME": "http", "SIMULATOR": "true"}, now=NOW, today=NOW.date())
    failed = {f.key for f in findings if f.level is Level.FAIL}
    assert {"invalid:SECRET_KEY", "invalid:PROXY_HOPS", "database_url", "redis_url", "data_key",
            "certificate_signing_key", "wechat_appid", "wechat_secret", "sms_secret_id", "metrics_token",
            "proxy_hops", "sms_scheme", "simulator", "crypto_suite", "backup"} <= failed
    assert by_key(findings)["banshi_env"].level is Level.OK
    invalid = by_key(findings)["invalid:SECRET_KEY"]
    assert "SECRET_KEY" in invalid.zh and "32" in invalid.en


def test_a_complete_configuration_passes_all_but_what_it_lacks(settings, db_session):
    env = complete(settings)
    findings = by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))
    failing = {k for k, f in findings.items() if f.level is Level.FAIL}
    # No pgBackRest configuration here: the one thing this environment lacks (tests/backup checks a real one);
    # and the audit chain was never checked in this database.
    assert failing == {"backup", "audit_chain"}
    assert findings["migrations"].level is Level.OK
    assert findings["redis"].level is Level.OK
    assert findings["calendar"].level is Level.OK


def test_the_audit_chain_is_read_from_its_last_check(settings, committed_db, app):
    env = complete(settings)
    assert by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))["audit_chain"].level is Level.FAIL
    session = committed_db.session
    audit.record(session, actor="staff:1", action="test.act", subject_type="centre", subject_id=1, at=NOW)
    audit.save_check(session, audit.verify(session, app.extensions["banshi.keyring"], NOW), NOW)
    session.commit()
    found = by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))["audit_chain"]
    assert found.level is Level.OK and "1 条" in found.zh
    stale = by_key(readiness.check(env, now=NOW + timedelta(days=2), today=date(2026, 6, 1)))["audit_chain"]
    assert stale.level is Level.FAIL and "seal-audit-days" in stale.zh


def test_the_next_year_without_holiday_data_fails_until_an_admin_enters_its_notice(settings, db_session):
    db_session.execute(delete(CalendarOverride).where(CalendarOverride.day >= date(2027, 1, 1)))
    if readiness.calendar_ahead(db_session, date(2026, 12, 5))[0].level is Level.OK:
        pytest.skip("chinese-calendar already knows 2027")
    missing = readiness.calendar_ahead(db_session, date(2026, 12, 5))[0]
    assert missing.level is Level.FAIL and "2027" in missing.zh and "工作日历" in missing.zh
    # Today the window ends within the known year.
    assert readiness.calendar_ahead(db_session, date(2026, 9, 1))[0].level is Level.OK
    db_session.add(CalendarOverride(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    db_session.flush()
    assert readiness.calendar_ahead(db_session, date(2026, 12, 5))[0].level is Level.OK


def test_the_international_suite_fails_a_miyao_review(settings):
    env = complete(settings) | {"CRYPTO_SUITE": "intl", "DATA_KEY": "k1:" + new_data_key(),
                                "CERTIFICATE_SIGNING_KEY": new_signing_key()}
    found = by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))
    assert found["crypto_suite"].level is Level.FAIL and "密评" in found["crypto_suite"].zh
    mismatched = by_key(readiness.check(env | {"CRYPTO_SUITE": "gm"}, now=NOW, today=date(2026, 6, 1)))
    assert mismatched["invalid:DATA_KEY"].level is Level.FAIL


def test_the_audit_retention_below_six_months_fails(settings):
    class Short:
        audit_retention_days = 90

    assert readiness.audit_retention(Short())[0].level is Level.FAIL   # type: ignore[arg-type]


def test_a_replica_url_naming_the_primary_is_no_replica(settings):
    env = complete(settings) | {"DATABASE_REPLICA_URL": settings.database_url}
    found = by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))["replica"]
    assert found.level is Level.FAIL and "不是只读副本" in found.zh


def test_the_command_prints_both_languages_exits_non_zero_and_never_a_secret(settings, monkeypatch):
    env = complete(settings) | {"METRICS_TOKEN": ""}
    for name in list(__import__("os").environ):
        if name.isupper():
            monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "[不通过 fail] 未设置监控接口令牌（METRICS_TOKEN） / METRICS_TOKEN is not set" in result.output
    assert "不通过" in result.output and "checks failed" in result.output
    for secret in ("SECRET_KEY", "DATA_KEY", "CERTIFICATE_SIGNING_KEY", "WECHAT_SECRET", "SMS_SECRET_KEY"):
        assert env[secret] not in result.output


def test_a_broken_redis_url_is_said_without_its_password(settings):
    env = complete(settings) | {"REDIS_URL": "redis://:s3cr/et#9@127.0.0.1:6379/0"}
    found = by_key(readiness.check(env, now=NOW, today=date(2026, 6, 1)))
    assert found["redis"].level is Level.FAIL and "REDIS_URL" in found["redis"].zh
    assert not any("s3cr" in f.zh or "s3cr" in f.en for f in found.values())


def test_an_old_schema_says_run_the_upgrade_and_nothing_else_breaks(settings, servers):
    url = recreate_database(servers.admin_postgres_url, "banshi_readiness_old")
    upgrade(make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False), "0024")
    found = by_key(readiness.check(complete(settings) | {"DATABASE_URL": url}, now=NOW, today=date(2026, 6, 1)))
    assert found["database"].level is Level.OK
    assert found["migrations"].level is Level.FAIL and "banshi db upgrade" in found["migrations"].zh
    assert "audit_chain" not in found and "calendar" not in found
