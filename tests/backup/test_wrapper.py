"""The thin wrapper's own parts: the configuration it writes, the archive_command, the pgBackRest command line,
and the sentence `banshi backup info` says. pgBackRest itself runs in test_drill.py."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from miniapp_api.platform import backup

SERVER = backup.Server("/var/lib/postgresql/15/main", 5433, "/var/run/postgresql")


def test_the_configuration_names_the_stanza_repository_retention_and_server(settings, tmp_path):
    configured = settings.model_copy(update={
        "backup_stanza": "liaocheng", "backup_repo_path": tmp_path / "repo", "backup_retention_full": 3,
        "backup_retention_diff": 6, "backup_cipher_pass": "a-long-enough-cipher-pass"})
    text = backup.config_text(configured, SERVER)
    lines = text.splitlines()
    for line in (f"repo1-path={tmp_path / 'repo'}", "repo1-retention-full=3", "repo1-retention-diff=6",
                 "repo1-cipher-type=aes-256-cbc", "repo1-cipher-pass=a-long-enough-cipher-pass", "[liaocheng]",
                 "pg1-path=/var/lib/postgresql/15/main", "pg1-port=5433", "pg1-socket-path=/var/run/postgresql"):
        assert line in lines, line
    assert lines.index("[global]") < lines.index("repo1-path=" + str(tmp_path / "repo")) < lines.index("[liaocheng]")
    unencrypted = backup.config_text(configured.model_copy(update={"backup_cipher_pass": None}), SERVER)
    assert "cipher" not in unencrypted


def test_the_configuration_file_is_readable_by_its_owner_and_group_only(settings, tmp_path):
    configured = settings.model_copy(update={
        "backup_config_path": tmp_path / "etc" / "pgbackrest.conf", "backup_repo_path": tmp_path / "repo",
        "backup_log_path": tmp_path / "log", "backup_run_as": None})
    path = backup.write_config(configured, SERVER)
    assert path.stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "repo").is_dir() and (tmp_path / "log").is_dir()
    assert path.read_text() == backup.config_text(configured, SERVER)


def test_archiving_names_our_config_and_stanza_and_the_statements_quote_it(settings):
    configured = settings.model_copy(update={"backup_config_path": Path("/etc/it's/pgbackrest.conf"),
                                             "backup_archive_timeout": 30})
    assert backup.archive_command(configured) == (
        f"pgbackrest --config=/etc/it's/pgbackrest.conf --stanza={configured.backup_stanza} archive-push %p")
    statements = backup.archiving_statements(configured)
    assert statements[0] == "ALTER SYSTEM SET archive_mode = 'on'"
    assert "--config=/etc/it''s/pgbackrest.conf" in statements[1]
    assert statements[2] == "ALTER SYSTEM SET archive_timeout = '30s'"


def test_the_command_line_carries_no_secret(settings):
    configured = settings.model_copy(update={"backup_cipher_pass": "a-long-enough-cipher-pass", "backup_run_as": None})
    line = backup.command(configured, "--type=full", "backup")
    assert line[0] == "pgbackrest" and line[-2:] == ["--type=full", "backup"]
    assert not any("cipher" in part for part in line)


def _info(*backups: tuple[str, str, int]) -> str:
    return json.dumps([{
        "name": "banshi", "status": {"code": 0, "message": "ok"},
        "archive": [{"id": "15-1", "min": "000000010000000000000001", "max": "00000001000000000000002A"}],
        "backup": [{"label": label, "type": kind, "timestamp": {"start": stop - 60, "stop": stop},
                    "info": {"size": 50_000_000, "delta": 50_000_000, "repository": {"size": 4_000_000,
                                                                                     "delta": 4_000_000}}}
                   for label, kind, stop in backups]}])


def test_info_says_in_chinese_and_english_when_the_last_backup_was():
    full = int(datetime(2026, 11, 22, 18, 0, tzinfo=UTC).timestamp())
    incr = int(datetime(2026, 11, 23, 18, 0, tzinfo=UTC).timestamp())
    report = backup.parse_info(_info(("20261122-180000F", "full", full),
                                     ("20261122-180000F_20261123-180000I", "incr", incr)), "banshi")
    assert report.status == "ok" and [b.kind for b in report.backups] == ["full", "incr"]
    chinese, english = backup.describe(report, datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert chinese == ("最近一次备份：2026-11-24 02:00（北京时间，6 小时前），增量备份（数据库 47.7 MB，本次存入 3.8 MB），"
                       "共保留 2 个备份；WAL 已归档至 00000001000000000000002A")
    assert english == ("last backup: 2026-11-23 18:00 UTC (6 hours ago), incr (database 47.7 MB, 3.8 MB stored), "
                       "2 kept; WAL archived up to 00000001000000000000002A")
    assert backup.describe(report, datetime(2026, 11, 23, 18, 1, tzinfo=UTC))[1].startswith(
        "last backup: 2026-11-23 18:00 UTC (1 minute ago)")
    assert "3 天前" in backup.describe(report, datetime(2026, 11, 23, 18, 0, tzinfo=UTC) + timedelta(days=3))[0]


def test_info_without_a_backup_or_stanza_says_so():
    empty = backup.parse_info(_info(), "banshi")
    assert empty.last is None
    assert backup.describe(empty, datetime(2026, 11, 24, tzinfo=UTC))[0].startswith("还没有备份")
    assert backup.parse_info(_info(), "heze").status == "missing stanza"


def test_init_connects_with_either_form_of_database_url():
    assert backup.libpq_url("postgresql+psycopg://u:p@db:5432/banshi") == "postgresql://u:p@db:5432/banshi"
    assert backup.libpq_url("postgresql://u@db/banshi") == "postgresql://u@db/banshi"


@pytest.mark.skipif(os.geteuid() != 0, reason="pgBackRest is run as another user only by root")
def test_an_unknown_run_as_user_is_named(settings, tmp_path):
    configured = settings.model_copy(update={
        "backup_config_path": tmp_path / "pgbackrest.conf", "backup_repo_path": tmp_path / "repo",
        "backup_log_path": tmp_path / "log", "backup_run_as": "no_such_user_here"})
    with pytest.raises(backup.BackupError, match="there is no user no_such_user_here"):
        backup.write_config(configured, SERVER)
