"""Backups with pgBackRest: the configuration `banshi backup init` writes, the server settings archiving needs,
and the few pgBackRest commands `banshi backup` runs.

A thin wrapper on purpose: pgBackRest takes the backups, archives the WAL, expires old backups and restores.
This module only turns our settings into its configuration, sets `archive_mode`/`archive_command` on the
server, and reads `pgbackrest info` for people. The runbook is docs/backup.md.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from miniapp_api.platform.clock import local

PGBACKREST = "pgbackrest"
BACKUP_TYPES = ("full", "diff", "incr")
TYPE_NAMES = {"full": "全量备份", "diff": "差异备份", "incr": "增量备份"}


class BackupError(RuntimeError):
    """pgBackRest or the server refused; the message says what to do."""


@dataclass(frozen=True)
class Server:
    """What pgBackRest must know of the PostgreSQL it backs up (it reaches it over the local socket)."""
    data_directory: str
    port: int
    socket_directory: str


@dataclass(frozen=True)
class Archiving:
    """The server settings archiving needs, and whether they are in force."""
    statements: list[str]        # what sets them (ALTER SYSTEM ...)
    applied: bool                # we could set them (a superuser connection)
    needs_restart: bool          # archive_mode (or wal_level) takes effect only after a restart


@dataclass(frozen=True)
class Backup:
    label: str
    kind: str                    # full, diff, incr
    started: datetime
    stopped: datetime
    size: int                    # bytes of the database at the time
    stored: int                  # bytes in the repository


@dataclass(frozen=True)
class Report:
    status: str                  # pgBackRest's stanza status message ("ok", "no valid backups", ...)
    backups: list[Backup]
    archived_up_to: str | None   # the newest WAL segment in the archive

    @property
    def last(self) -> Backup | None:
        return self.backups[-1] if self.backups else None


def libpq_url(url: str) -> str:
    """DATABASE_URL as libpq reads it (the settings also accept SQLAlchemy's postgresql+psycopg:// form)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def read_server(connection: psycopg.Connection) -> Server:
    """The data directory, port and first socket directory the running server reports."""
    try:
        data_directory = connection.execute("SHOW data_directory").fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        raise BackupError("reading the data directory needs a superuser (or pg_read_all_settings) in "
                          "DATABASE_URL") from None
    port = int(connection.execute("SHOW port").fetchone()[0])
    sockets = [s.strip() for s in connection.execute("SHOW unix_socket_directories").fetchone()[0].split(",")]
    if not sockets or not sockets[0]:
        raise BackupError("the server listens on no Unix socket (unix_socket_directories is empty); pgBackRest "
                          "reaches the server through one")
    return Server(data_directory, port, sockets[0])


def config_text(settings, server: Server) -> str:
    """pgbackrest.conf for one stanza and one local repository."""
    lines = [
        "# Written by `banshi backup init` from BACKUP_* settings; run it again instead of editing.",
        "[global]",
        f"repo1-path={settings.backup_repo_path}",
        f"repo1-retention-full={settings.backup_retention_full}",
        f"repo1-retention-diff={settings.backup_retention_diff}",
        f"log-path={settings.backup_log_path}",
        "log-level-file=detail",
        # Backups are taken at night: an immediate checkpoint instead of waiting up to checkpoint_timeout.
        "start-fast=y",
        "compress-type=zst",
    ]
    if settings.backup_cipher_pass:
        lines += ["repo1-cipher-type=aes-256-cbc", f"repo1-cipher-pass={settings.backup_cipher_pass}"]
    lines += [
        "",
        f"[{settings.backup_stanza}]",
        f"pg1-path={server.data_directory}",
        f"pg1-port={server.port}",
        f"pg1-socket-path={server.socket_directory}",
        "",
    ]
    return "\n".join(lines)


def _owned_by_run_as(settings, path: Path) -> None:
    user = _run_as(settings)
    if user:
        try:
            group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
        except KeyError:
            raise BackupError(f"BACKUP_RUN_AS: there is no user {user} on this host (the PostgreSQL server's user, "
                              "usually postgres)") from None
        shutil.chown(path, user, group)


def write_config(settings, server: Server) -> Path:
    """Write the configuration (0640: it may hold the repository's cipher pass) and make the repository and log
    folders, owned by the user pgBackRest runs as."""
    for folder in (settings.backup_repo_path, settings.backup_log_path):
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        _owned_by_run_as(settings, folder)
    path: Path = settings.backup_config_path
    path.parent.mkdir(parents=True, exist_ok=True)
    opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(opened, "w") as file:
        file.write(config_text(settings, server))
    path.chmod(0o640)
    _owned_by_run_as(settings, path)
    return path


def archive_command(settings) -> str:
    return f"{PGBACKREST} --config={settings.backup_config_path} --stanza={settings.backup_stanza} archive-push %p"


def archiving_statements(settings) -> list[str]:
    command = archive_command(settings).replace("'", "''")
    return ["ALTER SYSTEM SET archive_mode = 'on'",
            f"ALTER SYSTEM SET archive_command = '{command}'",
            f"ALTER SYSTEM SET archive_timeout = '{settings.backup_archive_timeout}s'"]


def configure_archiving(connection: psycopg.Connection, settings) -> Archiving:
    """Set archiving with ALTER SYSTEM when the connection may (superuser), reload, and say whether a restart is
    still needed. `connection` must be in autocommit mode (ALTER SYSTEM runs outside a transaction)."""
    statements = archiving_statements(settings)
    wal_level = connection.execute("SHOW wal_level").fetchone()[0]
    if wal_level == "minimal":
        statements.insert(0, "ALTER SYSTEM SET wal_level = 'replica'")
    superuser = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    if not superuser:
        return Archiving(statements, applied=False, needs_restart=True)
    for statement in statements:
        connection.execute(statement)
    connection.execute("SELECT pg_reload_conf()")
    archive_mode = connection.execute("SHOW archive_mode").fetchone()[0]
    return Archiving(statements, applied=True, needs_restart=archive_mode == "off" or wal_level == "minimal")


def _run_as(settings) -> str | None:
    """The user to become: only when we are root and told to (pgBackRest must run as the server's user)."""
    user = settings.backup_run_as
    return user if user and hasattr(os, "geteuid") and os.geteuid() == 0 else None


def command(settings, *arguments: str) -> list[str]:
    """The pgBackRest command line: never a secret on it (the cipher pass is in the configuration file)."""
    user = _run_as(settings)
    prefix = ["runuser", "-u", user, "--"] if user else []
    return [*prefix, PGBACKREST, f"--config={settings.backup_config_path}", f"--stanza={settings.backup_stanza}",
            *arguments]


def run(settings, *arguments: str, timeout: float = 6 * 3600) -> str:
    """Run pgBackRest; its standard output, or BackupError with its own message when it fails."""
    if shutil.which(PGBACKREST) is None:
        raise BackupError("pgbackrest is not installed (Debian: apt-get install pgbackrest; scripts/pgbackrest.sh)")
    finished = subprocess.run(command(settings, *arguments), capture_output=True, text=True, timeout=timeout,
                              cwd="/", check=False)
    if finished.returncode != 0:
        said = (finished.stderr.strip() or finished.stdout.strip()).splitlines()
        raise BackupError(f"pgbackrest {arguments[-1]} failed (exit {finished.returncode}): "
                          + " ".join(said[-3:]))
    return finished.stdout


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def parse_info(output: str, stanza: str) -> Report:
    """The one stanza's backups (oldest first) and archive from `pgbackrest --output=json info`."""
    for entry in json.loads(output):
        if entry.get("name") != stanza:
            continue
        backups = [Backup(label=b["label"], kind=b["type"], started=_moment(b["timestamp"]["start"]),
                          stopped=_moment(b["timestamp"]["stop"]), size=b["info"]["size"],
                          stored=b["info"]["repository"]["delta"])
                   for b in entry.get("backup", [])]
        archives = [a.get("max") for a in entry.get("archive", []) if a.get("max")]
        return Report(entry.get("status", {}).get("message", "unknown"), backups,
                      max(archives) if archives else None)
    return Report("missing stanza", [], None)


def _ago(seconds: float) -> tuple[str, str]:
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return f"{minutes} 分钟前", f"{minutes} minute{'s' * (minutes != 1)} ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时前", f"{hours} hour{'s' * (hours != 1)} ago"
    return f"{hours // 24} 天前", f"{hours // 24} days ago"


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0")


def describe(report: Report, now: datetime) -> tuple[str, str]:
    """When the last backup finished, in Chinese (Beijing time) and English (UTC)."""
    last = report.last
    if last is None:
        return "还没有备份。请运行 banshi backup run --type full。", "no backup yet: run `banshi backup run --type full`"
    zh_ago, en_ago = _ago((now - last.stopped).total_seconds())
    archived_zh = f"；WAL 已归档至 {report.archived_up_to}" if report.archived_up_to else ""
    archived_en = f"; WAL archived up to {report.archived_up_to}" if report.archived_up_to else ""
    size, stored = _megabytes(last.size), _megabytes(last.stored)
    chinese = (f"最近一次备份：{local(last.stopped):%Y-%m-%d %H:%M}（北京时间，{zh_ago}），"
               f"{TYPE_NAMES.get(last.kind, last.kind)}（数据库 {size} MB，本次存入 {stored} MB），"
               f"共保留 {len(report.backups)} 个备份{archived_zh}")
    english = (f"last backup: {last.stopped:%Y-%m-%d %H:%M} UTC ({en_ago}), {last.kind} (database {size} MB, "
               f"{stored} MB stored), {len(report.backups)} kept{archived_en}")
    return chinese, english
