"""The audit trail's hash chain: tampering of every kind is named, retention and redaction are not tampering,
concurrent writers make one chain, day seals are checked, the database refuses edits."""

import base64
import json
import secrets
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Text, cast, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError

from config.settings import AUDIT_MIN_RETENTION_DAYS, ConfigError, load_settings
from miniapp_api.accounts import retention
from miniapp_api.certificates.signing import KeyRing
from miniapp_api.platform import audit, crypto_suite
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.db import db
from miniapp_api.platform.models import AuditCheck, AuditDaySeal, AuditLog
from miniapp_api.staff.jobs import seal_audit_days
from tests.concurrency import run_together
from tests.factories import MONDAY_8AM

NOW = MONDAY_8AM


@pytest.fixture
def ring(app):
    return app.extensions["banshi.keyring"]


def write(session, count: int, *, start=NOW - timedelta(hours=1), action: str = "test.act") -> list[AuditLog]:
    return [audit.record(session, actor="staff:1", action=action, subject_type="centre", subject_id=n,
                         detail={"n": n, "名": "测试", "nested": {"b": [1, 2.5, None, True]}},
                         at=start + timedelta(minutes=n)) for n in range(count)]


def as_superuser(session, sql: str, **params) -> None:
    """What someone with the database's keys could do: switch the guard off, change rows, switch it on."""
    session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard"))
    session.execute(text(sql), params)
    session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard"))
    session.expire_all()


def first_break(session, ring, **bounds):
    report = audit.verify(session, ring, NOW, **bounds)
    assert not report.intact
    return report.first


def test_an_untouched_chain_verifies_across_a_jsonb_round_trip(db_session, ring):
    rows = write(db_session, 5)
    db_session.expire_all()
    report = audit.verify(db_session, ring, NOW)
    assert (report.intact, report.rows) == (True, 5)
    assert rows[0].prev_digest == audit.GENESIS and rows[1].prev_digest == rows[0].digest
    assert rows[0].digest.startswith("sha256:") and len(rows[0].digest) == len("sha256:") + 64


def test_a_chain_spanning_a_move_to_the_gm_suite_verifies_and_a_gm_row_edited_is_named(db_session, ring):
    before = crypto_suite.current()
    write(db_session, 2)
    crypto_suite.use("gm")
    try:
        moved = write(db_session, 2, start=NOW - timedelta(minutes=30))
    finally:
        crypto_suite.use(before)
    assert {row.digest.partition(":")[0] for row in moved} == {"sm3"}
    db_session.expire_all()
    assert audit.verify(db_session, ring, NOW).intact
    as_superuser(db_session, "UPDATE audit_log SET actor = 'staff:2' WHERE id = :id", id=moved[0].id)
    assert first_break(db_session, ring).row_id == moved[0].id


def test_an_edited_row_is_named(db_session, ring):
    rows = write(db_session, 5)
    as_superuser(db_session, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = :id", id=rows[2].id)
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("edited", rows[2].id)
    assert f"第 {rows[2].id} 条记录被改动" in found.describe()[0] and f"row {rows[2].id} was edited" in found.describe()[1]


def test_a_row_rewritten_with_its_own_digest_recomputed_still_breaks_the_link_to_the_next(db_session, ring):
    rows = write(db_session, 4)
    forged = audit.row_digest(rows[1].prev_digest, {**audit.content(rows[1], audit.detail_digest({})),
                                                    "action": "test.other"})
    as_superuser(db_session, "UPDATE audit_log SET action = 'test.other', detail = '{}', digest = :d WHERE id = :id",
                 d=forged, id=rows[1].id)
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id, found.after_id) == ("removed", rows[2].id, rows[1].id)


def test_a_deleted_row_is_named_as_a_gap(db_session, ring):
    rows = write(db_session, 5)
    as_superuser(db_session, "DELETE FROM audit_log WHERE id = :id", id=rows[2].id)
    found = first_break(db_session, ring)
    assert (found.kind, found.after_id, found.row_id) == ("removed", rows[1].id, rows[3].id)
    assert f"第 {rows[1].id} 条与第 {rows[3].id} 条记录之间有记录被删除" in found.describe()[0]


def test_a_row_inserted_with_sql_is_named(db_session, ring):
    rows = write(db_session, 3)
    db_session.execute(text("INSERT INTO audit_log (actor, action, subject_type, subject_id, detail, created_at) "
                            "VALUES ('staff:9', 'login', 'staff', '9', '{}', :at)"), {"at": NOW})
    inserted = db_session.scalar(select(func.max(AuditLog.id)))
    write(db_session, 2, start=NOW)       # the application goes on writing after it
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("unchained", inserted)
    assert f"第 {inserted} 条记录是插入的" in found.describe()[0]
    assert rows


def test_a_row_slipped_into_a_gap_of_ids_with_a_computed_digest_is_named(db_session, ring):
    first = write(db_session, 1)[0]
    with db_session.begin_nested() as savepoint:       # a rolled-back writer leaves a free id behind
        audit.record(db_session, actor="staff:1", action="test.gone", subject_type="x", subject_id=1, at=NOW)
        savepoint.rollback()
    last = write(db_session, 1, start=NOW)[0]
    gap = first.id + 1
    assert last.id == gap + 1
    body = {"actor": "staff:9", "action": "test.forged", "subject_type": "x", "subject_id": "1",
            "detail": audit.detail_digest({}), "created_at": (NOW - timedelta(minutes=30)).astimezone(UTC).isoformat()}
    db_session.execute(text(
        "INSERT INTO audit_log (id, actor, action, subject_type, subject_id, detail, created_at, prev_digest, digest)"
        " OVERRIDING SYSTEM VALUE VALUES (:id, 'staff:9', 'test.forged', 'x', '1', '{}', :at, :prev, :digest)"),
        {"id": gap, "at": NOW - timedelta(minutes=30), "prev": first.digest,
         "digest": audit.row_digest(first.digest, body)})
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("inserted", gap)


def test_concurrent_writers_make_one_linear_chain(committed_db, connections, ring):
    writers, each = 16, 5

    def write_some(index: int) -> int:
        with connections() as session:
            for n in range(each):
                audit.record(session, actor=f"staff:{index}", action="test.concurrent", subject_type="x",
                             subject_id=n, at=NOW)
                session.commit()
        return index

    assert sorted(run_together(writers, write_some)) == list(range(writers))
    with committed_db.new_session() as session:
        report = audit.verify(session, ring, NOW)
        rows = list(session.execute(select(AuditLog.id, AuditLog.prev_digest, AuditLog.digest).order_by(AuditLog.id)))
    assert (report.intact, report.rows) == (True, writers * each)
    assert len({r.prev_digest for r in rows}) == len(rows)                    # no fork: no digest followed twice
    assert [r.prev_digest for r in rows[1:]] == [r.digest for r in rows[:-1]]   # id order is chain order


def test_day_seals_are_verified_and_a_forged_one_is_flagged(db_session, ring):
    rows = write(db_session, 3, start=NOW - timedelta(days=3))
    sealed = audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1))
    assert sealed == [local_date(rows[0].created_at)]
    assert audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1)) == []   # twice: nothing more
    report = audit.verify(db_session, ring, NOW)
    assert (report.intact, report.seals) == (True, 1)

    seal = db_session.get(AuditDaySeal, sealed[0])
    other = KeyRing.of(base64.b64encode(secrets.token_bytes(32)).decode())
    db_session.execute(text("UPDATE audit_day_seal SET seal = :s WHERE day = :d"),
                       {"s": other.seal(audit.seal_payload(seal.day, seal.last_id, seal.digest)), "d": seal.day})
    db_session.expire_all()
    found = first_break(db_session, ring)
    assert (found.kind, found.day) == ("seal_invalid", sealed[0])
    assert "日结签章无效" in found.describe()[0]


def test_a_chain_rewritten_whole_after_sealing_is_caught_by_the_seal(db_session, ring):
    rows = write(db_session, 3, start=NOW - timedelta(days=3))
    audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1))
    # Edit the first row and recompute every digest after it, as someone who read this module would.
    prev = audit.GENESIS
    db_session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard"))
    for row in rows:
        row.detail = {"n": 42} if row is rows[0] else row.detail
        row.prev_digest, row.digest = prev, audit.row_digest(prev, audit.content(row, audit.detail_digest(row.detail)))
        prev = row.digest
        db_session.flush()
    db_session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard"))
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("seal_mismatch", rows[-1].id)


def test_a_day_with_rows_and_no_seal_is_flagged_once_its_seal_is_due(db_session, ring):
    write(db_session, 2, start=NOW - timedelta(days=5))
    found = first_break(db_session, ring)
    assert (found.kind, found.day) == ("seal_missing", local_date(NOW - timedelta(days=5)))
    write(db_session, 1, start=NOW - timedelta(hours=2))
    audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=2))
    assert audit.verify(db_session, ring, NOW).intact       # yesterday's and today's seals are not due yet


def test_retention_prunes_whole_sealed_days_and_verification_anchors_on_the_seal(db_session, ring):
    old = write(db_session, 3, start=NOW - timedelta(days=400))
    older_day = write(db_session, 2, start=NOW - timedelta(days=399))
    young = write(db_session, 3, start=NOW - timedelta(days=10))
    assert audit.prune(db_session, NOW, 365) == 0             # nothing goes before its day is sealed
    audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1))

    done = retention.purge(db_session, NOW, {"audit_log": 365})
    assert done["audit_log"] == len(old) + len(older_day)
    assert db_session.scalars(select(AuditLog.id).order_by(AuditLog.id)).all() == [r.id for r in young]
    report = audit.verify(db_session, ring, NOW)
    assert (report.intact, report.rows) == (True, 3)          # pruning is not tampering
    assert retention.purge(db_session, NOW, {"audit_log": 365})["audit_log"] == 0

    # Removing the first surviving row is: nothing signed anchors the next one.
    as_superuser(db_session, "DELETE FROM audit_log WHERE id = :id", id=young[0].id)
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("removed_start", young[1].id)


def test_rows_removed_within_the_minimum_period_are_flagged_even_at_a_seal(db_session, ring):
    early = write(db_session, 2, start=NOW - timedelta(days=20))
    later = write(db_session, 2, start=NOW - timedelta(days=10))
    audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1))
    as_superuser(db_session, "DELETE FROM audit_log WHERE id <= :id", id=early[-1].id)
    found = first_break(db_session, ring)
    assert (found.kind, found.row_id) == ("pruned_too_early", later[0].id)


def test_retention_below_the_minimum_is_refused(db_session):
    assert audit.MIN_RETENTION_DAYS == AUDIT_MIN_RETENTION_DAYS
    with pytest.raises(ValueError, match="at least 180 days"):
        audit.prune(db_session, NOW, 179)
    with pytest.raises(ValueError, match="at least 180 days"):
        retention.periods({"audit_log": 90})
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS: audit rows must be kept at least 180 days"):
        load_settings(banshi_env="testing", audit_retention_days=179)
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS, not here"):
        load_settings(banshi_env="testing", retention_days={"audit_log": 400})


def test_the_database_refuses_edits_and_young_deletions(db_session):
    rows = write(db_session, 2)
    for statement in ("UPDATE audit_log SET action = 'x' WHERE id = :id", "DELETE FROM audit_log WHERE id = :id",
                      "UPDATE audit_log SET detail = '{}' WHERE id = :id"):
        with pytest.raises(DBAPIError, match="never"), db_session.begin_nested():
            db_session.execute(text(statement), {"id": rows[0].id})


def replaced(old: str, new: str):
    """What 注销 does to a row's detail (accounts/services.py `_redacted`)."""
    return cast(func.replace(cast(AuditLog.detail, Text), old, new), JSONB)


def test_a_redaction_by_account_erasure_is_chained_not_flagged(db_session, ring):
    rows = write(db_session, 3)
    changed = audit.redact_details(db_session, AuditLog.id == rows[1].id, replaced("测试", "***"), actor="system")
    assert changed == 1
    db_session.expire_all()
    assert db_session.get(AuditLog, rows[1].id).detail["名"] == "***"
    assert audit.verify(db_session, ring, NOW).intact
    # A second erasure of the same row follows the first.
    audit.redact_details(db_session, AuditLog.id == rows[1].id, replaced("***", "###"), actor="system")
    assert audit.verify(db_session, ring, NOW).intact
    # Without a recorded redaction the same change is an edit.
    as_superuser(db_session, "UPDATE audit_log SET detail = '{\"n\": 0}' WHERE id = :id", id=rows[0].id)
    assert first_break(db_session, ring).row_id == rows[0].id


def test_a_range_check_reads_only_its_days(db_session, ring):
    write(db_session, 2, start=NOW - timedelta(days=3))
    edited = write(db_session, 2, start=NOW - timedelta(hours=3))
    audit.seal_days(db_session, ring, local_date(NOW) - timedelta(days=1))
    as_superuser(db_session, "UPDATE audit_log SET subject_id = 'z' WHERE id = :id", id=edited[1].id)
    day = local_date(NOW - timedelta(days=3))
    assert audit.verify(db_session, ring, NOW, day_from=day, day_to=day).intact
    assert first_break(db_session, ring, day_from=local_date(NOW)).row_id == edited[1].id


def test_the_command_names_the_break_in_chinese_and_english_and_exits_non_zero(committed_db, process_env, ring):
    with committed_db.new_session() as session:
        write(session, 1, start=NOW - timedelta(days=3))
        rows = write(session, 3)
        session.commit()
    env = {**process_env, "CLOCK_START": NOW.isoformat()}
    banshi = [sys.executable, "-c", "from miniapp_api.cli import main; main()", "audit"]
    sealed = subprocess.run([*banshi, "seal"], env=env, capture_output=True, text=True, timeout=60)
    assert sealed.stdout.startswith("sealed 1 days"), sealed.stderr
    command = [*banshi, "verify"]
    intact = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "记录链完整：4 条记录，1 个日结签章" in intact.stdout and "chain intact: 4 rows" in intact.stdout

    with committed_db.new_session() as session:
        as_superuser(session, "DELETE FROM audit_log WHERE id = :id", id=rows[1].id)
        session.commit()
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert f"第 {rows[0].id} 条与第 {rows[2].id} 条记录之间有记录被删除" in broken.stdout
    assert f"rows were removed between row {rows[0].id} and row {rows[2].id}" in broken.stdout
    with committed_db.new_session() as session:
        kept = session.scalars(select(AuditCheck).order_by(AuditCheck.id)).all()
    assert [(c.intact, c.break_row_id) for c in kept] == [(True, None), (False, rows[2].id)]
    assert kept[1].first_break.startswith(f"第 {rows[0].id} 条与第 {rows[2].id} 条")


def test_the_canonical_content_is_stable_json():
    body = {"b": "二", "a": 1}
    assert audit.canonical(body) == json.dumps({"a": 1, "b": "二"}, ensure_ascii=False,
                                               separators=(",", ":")).encode()


def test_the_nightly_job_seals_yesterday_checks_the_chain_and_runs_twice_safely(app, db_session):
    write(db_session, 2, start=NOW - timedelta(days=1))
    with app.app_context():
        assert seal_audit_days.__wrapped__(upto=local_date(NOW - timedelta(days=1)).isoformat()) == 1
        assert seal_audit_days.__wrapped__(upto=local_date(NOW - timedelta(days=1)).isoformat()) == 0
        checks = db.session.scalars(select(AuditCheck)).all()   # the job's own session, as it left it
        assert [(c.intact, c.rows) for c in checks] == [(True, 2), (True, 2)]


def test_nothing_but_the_chain_writes_audit_rows():
    """Every audit row goes through platform.audit.record (an AuditLog(...) elsewhere would bypass the chain)."""
    root = Path(__file__).resolve().parents[2]
    sources = [path for folder in ("miniapp_api", "jobs") for path in (root / folder).rglob("*.py")]
    writers = [str(path.relative_to(root)) for path in sources
               if "AuditLog(" in path.read_text() and path.name not in ("audit.py", "models.py")]
    assert writers == []
