"""`banshi` command line: run the system, its processes, migrations and demo data."""

from __future__ import annotations

import base64
import os
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path

import click
import psycopg
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer
from sqlalchemy import select

from config import ConfigError, Settings, load_settings
from config.settings import PROJECT_ROOT, new_data_key, new_signing_key
from jobs.dispatcher import Dispatcher
from jobs.runtime import job_app
from jobs.scheduler import run_scheduler
from jobs.worker import ForkingWorker, InProcessWorker
from miniapp_api import field_cipher, signing_ring
from miniapp_api.certificates.signing import KeyRing
from miniapp_api.demo import seed_demo
from miniapp_api.demo.cases import DEMO_PHONE, DEMO_SITE_CLERK, seed_cases
from miniapp_api.demo.guidance import seed_guidance
from miniapp_api.demo.policies import seed_policies
from miniapp_api.keys import rotate
from miniapp_api.migrations import downgrade, new_revision, upgrade
from miniapp_api.notifications.delivery import stats
from miniapp_api.notifications.jobs import enqueue_due_notifications
from miniapp_api.notifications.sms import emulator_sms_limits, emulator_sms_templates
from miniapp_api.notifications.templates import emulator_templates
from miniapp_api import readiness
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform import backup, clock
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.embedded import EmbeddedServers
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.messages import AUDIT_INTACT
from miniapp_api.platform.observability import configure_logging
from miniapp_api.platform.queues import QUEUE_NAMES, redis_store
from miniapp_api.sms.emulator import SmsEmulatorState
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import create_staff, hash_password, revoke_sessions
from miniapp_api.wechat.emulator import make_emulator_server

EMULATOR_PORT = 5001


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """Banshi (办事通) backend."""


@main.command("check-config")
def check_config() -> None:
    """Validate the environment's settings and print one line."""
    settings = _settings()
    click.echo(f"configuration ok ({settings.banshi_env})")


@main.command("check")
def readiness_check() -> None:
    """Whether this production configuration is complete and safe (等保 / 密评): every problem, not the first."""
    findings = readiness.check(os.environ, now=utcnow(), today=clock.today())
    for finding in findings:
        click.echo(finding.line())
    if readiness.failed(findings):
        failures = sum(1 for f in findings if f.level is readiness.Level.FAIL)
        click.echo(f"{failures} 项不通过，请逐项处理后再上线 / {failures} checks failed", err=True)
        sys.exit(1)
    click.echo("全部通过 / all checks passed")


@main.command("signing-key")
def signing_key() -> None:
    """Print the suite, key id and public key of the signing key and of each retired key (for a rotation)."""
    settings = _settings()
    try:
        ring = KeyRing.of(settings.certificate_signing_key or "", settings.retired_certificate_keys,
                          settings.crypto_suite)
    except ValueError as exc:
        click.echo(f"invalid configuration: CERTIFICATE_RETIRED_KEYS: {exc}", err=True)
        sys.exit(2)
    click.echo(f"current {ring.signer.suite.name} {ring.key_id} {ring.signer.public_base64()}")
    for key in ring.retired:
        revoked = f" revoked from {key.revoked_from.isoformat()}" if key.revoked_from else ""
        click.echo(f"retired {key.suite.name} {key.key_id} {base64.b64encode(key.raw).decode()}{revoked}")


@main.group("keys")
def keys_group() -> None:
    """Data and signing keys of the cryptographic suite (CRYPTO_SUITE): new keys, and moving a live store."""


@keys_group.command("new")
@click.option("--suite", type=click.Choice(["intl", "gm"]), default=None,
              help="The suite of the keys (default: CRYPTO_SUITE, else intl).")
@click.option("--kid", default=None, help="Key id of the data key (letters and digits).")
def keys_new(suite: str | None, kid: str | None) -> None:
    """Print a fresh data key (for the front of DATA_KEY) and a fresh signing key with its public key.

    The output is a secret: it goes to the terminal only, never to a log."""
    suite = suite or os.environ.get("CRYPTO_SUITE", "intl")
    if kid is not None and not kid.isalnum():
        click.echo("--kid must be letters and digits", err=True)
        sys.exit(2)
    signing = new_signing_key(suite)
    ring = KeyRing.of(signing, suite=suite)
    click.echo(f"CRYPTO_SUITE={suite}")
    kid = kid or f"{'g' if suite == 'gm' else 'k'}{utcnow():%Y%m%d}"
    click.echo(f"DATA_KEY (put first, keep the older keys after it): {kid}:{new_data_key(suite)}")
    click.echo(f"CERTIFICATE_SIGNING_KEY={signing}")
    click.echo(f"its public key ({ring.signer.suite.name}, key id {ring.key_id}): {ring.signer.public_base64()}")


@keys_group.command("rotate")
@click.option("--chunk", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows (or distinct hashes) per transaction.")
def keys_rotate(chunk: int) -> None:
    """Move every stored value to the key that seals now (the first of DATA_KEY) and, after a switch from
    CRYPTO_SUITE=intl to gm, every lookup hash to HMAC-SM3, while the system runs. Resumable and idempotent:
    run it again after a stop. Run it once every process has the new settings (docs/privacy.md)."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    cipher = field_cipher(settings)
    try:
        ring = signing_ring(settings)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if cipher.suite.value != settings.crypto_suite:
        click.echo(f"invalid configuration: DATA_KEY: the first key is not a {settings.crypto_suite} key", err=True)
        sys.exit(2)
    db.configure(settings.sqlalchemy_url)
    assert db.engine is not None
    click.echo(f"moving to key {cipher.active_kid} ({cipher.suite}), {chunk} per transaction")
    left = rotate(db.engine, cipher, ring, chunk=chunk, say=click.echo)
    for name, count in sorted({**left.sealed, **left.hashed}.items()):
        click.echo(f"left: {name}: {count} (a process still writing with the old settings? run again)", err=True)
    for key_id in left.unknown_signing_keys:
        click.echo(f"signing key {key_id} is named by stored signatures but is not in the ring: list its public key "
                   "in CERTIFICATE_RETIRED_KEYS", err=True)
    if not left.done:
        sys.exit(1)
    if cipher.moves_from_intl and not settings.crypto_move_done:
        click.echo("done: every value is sealed with the current key and every lookup hash is HMAC-SM3; "
                   "set CRYPTO_MOVE_DONE=true so lookups ask for the new hash only (keep the intl keys listed "
                   "last in DATA_KEY: they stay the root of the lookup hashes)")
    else:
        click.echo("done: every value is sealed with the current key")


@main.group("db")
def database() -> None:
    """Schema migrations (Alembic)."""


@database.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    upgrade(_settings().sqlalchemy_url, revision)


@database.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    downgrade(_settings().sqlalchemy_url, revision)


@database.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models."""

    new_revision(_settings().sqlalchemy_url, message)


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Load demo centres, items, hours and windows from the field facts and fill the booking horizon (idempotent)."""

    settings = _settings()
    db.configure(settings.sqlalchemy_url)
    with db.new_session() as session:
        report = seed_demo(session, now=utcnow())
        guidance = seed_guidance(session, utcnow())
        session.commit()
    click.echo(f"demo data: {report.centres} centres, {report.items} service items, {report.windows} windows, "
               f"{report.slots_added} new slots, {guidance} new guidance entries and scenarios")
    if settings.is_production:
        return

    if settings.redis_url:
        redis_store.configure(settings.redis_url)
    with db.new_session() as session:
        cases = seed_cases(session, field_cipher(settings), utcnow())
        policies = seed_policies(session, utcnow())
        session.commit()
    click.echo(f"demo policies: {policies} new policy items published and matched")
    if cases:
        click.echo(f"demo staff account (shown once): {cases.username} / {cases.password}  "
                   f"(change it with `banshi staff set-password {cases.username}`); a 代办点 clerk: "
                   f"{DEMO_SITE_CLERK} with the same password")
        click.echo(f"demo applications (look up with phone digits {DEMO_PHONE[-4:]}): {', '.join(cases.references)}")


@main.group("staff")
def staff_group() -> None:
    """Staff accounts for the console and the staff API."""


@staff_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Display name, e.g. 王芳")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["admin", "centre_manager", "window_staff", "feedback_handler", "supervisor",
                                 "site_clerk"]))
@click.option("--centre", "centre_ids", multiple=True, type=int, help="Centre id (repeat for several)")
@click.password_option(help="At least 12 characters with letters and digits")
def staff_create(username: str, name: str, roles: tuple[str, ...], centre_ids: tuple[int, ...], password: str) -> None:
    db.configure(_settings().sqlalchemy_url)
    with db.new_session() as session:
        try:
            staff = create_staff(session, username=username, display_name=name, password=password,
                                 roles=list(roles), centre_ids=list(centre_ids))
        except DomainError as exc:
            click.echo(exc.message, err=True)
            sys.exit(2)
        session.commit()
        click.echo(f"staff account {staff.username} created (id {staff.id})")


@staff_group.command("set-password")
@click.argument("username")
@click.password_option(help="At least 12 characters with letters and digits")
def staff_set_password(username: str, password: str) -> None:
    db.configure(_settings().sqlalchemy_url)
    with db.new_session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == username)).one_or_none()
        if staff is None:
            click.echo(f"no staff account {username}", err=True)
            sys.exit(2)
        try:
            staff.password_hash = hash_password(password)
        except DomainError as exc:
            click.echo(exc.message, err=True)
            sys.exit(2)
        staff.failed_logins, staff.locked_until = 0, None
        ended = revoke_sessions(session, staff.id, now=utcnow())   # old password, old sessions
        session.commit()
        click.echo(f"password of {username} changed; {ended} open session(s) ended")


@main.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--fork", is_flag=True, help="Fork a process per job (RQ's Worker) instead of running jobs in-process.")
def worker(burst: bool, fork: bool) -> None:
    """An RQ worker on notify, default and sweeps (in that priority), with RQ's delayed-job scheduler.

    In-process (SimpleWorker) by default: forking per job managed ~80 jobs/s here against
    ~380/s without, and every job is safe to lose mid-way (state lives in PostgreSQL:
    a claimed send becomes `unknown`, never a duplicate). Run more worker processes to scale.
    """

    app = job_app()  # built once; forked job processes (with --fork) inherit it
    # The outbox dispatcher (jobs/dispatcher.py): bookings enqueue nothing, it claims their rows on their
    # wake-up. A burst worker claims once before it drains the queues.
    if burst:
        enqueue_due_notifications()
    else:
        settings = app.config["BANSHI_SETTINGS"]
        Dispatcher(backup.libpq_url(settings.database_url), enqueue_due_notifications).start()
    worker_class = ForkingWorker if fork else InProcessWorker
    rq_worker = worker_class(list(QUEUE_NAMES), connection=redis_store.worker_client())
    rq_worker.work(with_scheduler=True, burst=burst)


@main.command("scheduler")
def scheduler() -> None:
    """The one process that enqueues periodic jobs (jobs/schedule.py)."""

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    clock.start_at(settings.clock_start, settings.clock_anchor)   # tests: the scheduler runs on the test's clock too
    assert settings.redis_url, "REDIS_URL is not set"
    redis_store.configure(settings.redis_url, timeout=settings.redis_timeout_seconds,
                          sentinels=settings.redis_sentinels, master=settings.redis_master_name)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_scheduler(redis_store.client, settings.zone, stop)


@main.command("emulator")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=EMULATOR_PORT, type=int)
def emulator(host: str, port: int) -> None:
    """The WeChat API emulator (development and tests only)."""

    settings = _settings()
    if settings.is_production:
        click.echo("the WeChat emulator does not run with BANSHI_ENV=production", err=True)
        sys.exit(2)
    sms = SmsEmulatorState(settings.sms_secret_id or "", settings.sms_secret_key or "", settings.sms_sdk_app_id or "",
                           {settings.sms_sign_name}, emulator_sms_templates(settings.sms_templates_file),
                           emulator_sms_limits(settings.sms_templates_file)) if settings.sms_enabled else None
    server = make_emulator_server(host, port, settings.wechat_appid or "", settings.wechat_secret or "",
                                  templates=emulator_templates(settings.wechat_templates_file), sms=sms)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    click.echo(f"WeChat emulator on http://{host}:{port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@main.group("notifications")
def notifications_group() -> None:
    """The notification outbox."""


@notifications_group.command("stats")
def notification_stats() -> None:
    """Messages per kind and push status (sent, failed, unknown, skipped, pending...)."""

    db.configure(_settings().sqlalchemy_url)
    with db.new_session() as session:
        rows = stats(session)
    if not rows:
        click.echo("no notifications yet")
    for kind, status, count in rows:
        click.echo(f"{kind:<28} {status:<10} {count:>8}")


@main.group("backup")
def backup_group() -> None:
    """Backups of the database with pgBackRest (docs/backup.md)."""


def _backup_step(what, *arguments):
    try:
        return what(*arguments)
    except backup.BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@backup_group.command("init")
def backup_init() -> None:
    """Write pgbackrest.conf, turn on WAL archiving, create the stanza and check that archiving works.

    Safe to run again (after the restart archive_mode needs, or after changing a BACKUP_* setting)."""
    settings = _settings()
    assert settings.database_url, "DATABASE_URL is not set"
    with psycopg.connect(backup.libpq_url(settings.database_url), autocommit=True, connect_timeout=10) as connection:
        server = _backup_step(backup.read_server, connection)
        archiving = backup.configure_archiving(connection, settings)
    path = _backup_step(backup.write_config, settings, server)
    click.echo(f"wrote {path} (stanza {settings.backup_stanza}, repository {settings.backup_repo_path}, "
               f"data directory {server.data_directory})")
    if not archiving.applied:
        click.echo("DATABASE_URL's user is not a superuser, so archiving was not set. As a superuser run:", err=True)
        for statement in archiving.statements:
            click.echo(f"  {statement};", err=True)
        click.echo("then restart PostgreSQL and run `banshi backup init` again. Without archive_mode=on and this "
                   "archive_command no WAL reaches the repository: a backup could only restore the moment it "
                   "ended, and pgBackRest refuses to take one.", err=True)
        sys.exit(2)
    click.echo("archiving set: " + "; ".join(archiving.statements))
    _backup_step(backup.run, settings, "stanza-create")
    if archiving.needs_restart:
        click.echo("archive_mode takes effect only when PostgreSQL restarts: restart it (e.g. "
                   "`pg_ctlcluster 15 main restart`), then run `banshi backup init` again to check archiving.",
                   err=True)
        sys.exit(3)
    _backup_step(backup.run, settings, "check")
    click.echo("backups ready: archiving checked; take the first one with `banshi backup run --type full`")


@backup_group.command("run")
@click.option("--type", "kind", type=click.Choice(backup.BACKUP_TYPES), default="incr", show_default=True,
              help="full: everything; diff: changes since the last full; incr: changes since the last backup.")
def backup_run(kind: str) -> None:
    """Take a backup (pgBackRest makes it full when there is none yet) and expire old ones."""
    settings = _settings()
    _backup_step(backup.run, settings, f"--type={kind}", "backup")
    _backup_info_lines(settings)


def _backup_info_lines(settings) -> backup.Report:
    clock.start_at(settings.clock_start, settings.clock_anchor)
    report = backup.parse_info(_backup_step(backup.run, settings, "--output=json", "info"), settings.backup_stanza)
    for line in backup.describe(report, utcnow()):
        click.echo(line)
    return report


@backup_group.command("info")
def backup_info() -> None:
    """When the last backup was (Chinese and English); exit 1 when there is none or the stanza is not ok."""
    settings = _settings()
    report = _backup_info_lines(settings)
    if report.last is None or report.status != "ok":
        click.echo(f"stanza {settings.backup_stanza}: {report.status}", err=True)
        sys.exit(1)


@main.group("audit")
def audit_group() -> None:
    """The audit trail's hash chain and its signed day seals."""


def _system_keyring(settings: Settings) -> KeyRing:
    try:
        return KeyRing.of(settings.certificate_signing_key or "", settings.retired_certificate_keys)
    except ValueError as exc:
        click.echo(f"invalid configuration: CERTIFICATE_SIGNING_KEY / CERTIFICATE_RETIRED_KEYS: {exc}", err=True)
        sys.exit(2)


@audit_group.command("seal")
def audit_seal() -> None:
    """Sign every finished day not sealed yet (what the nightly job does; after upgrading to the chain, the days
    before it)."""
    settings = _settings()
    ring = _system_keyring(settings)
    clock.start_at(settings.clock_start, settings.clock_anchor)
    db.configure(settings.sqlalchemy_url)
    with db.new_session() as session:
        sealed = audit_trail.seal_days(session, ring, clock.today() - timedelta(days=1))
        session.commit()
    click.echo(f"sealed {len(sealed)} days" + (f": {sealed[0]} … {sealed[-1]}" if sealed else ""))


@audit_group.command("verify")
@click.option("--from", "day_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (Asia/Shanghai), YYYY-MM-DD.")
@click.option("--to", "day_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (Asia/Shanghai), YYYY-MM-DD.")
def audit_verify(day_from, day_to) -> None:
    """Walk the chain and check the day seals; name the first row edited, inserted or removed. Exit 1 on any
    break. A run over the whole chain is kept for the console's chain box."""
    settings = _settings()
    ring = _system_keyring(settings)
    clock.start_at(settings.clock_start, settings.clock_anchor)   # tests: the seals due are the test's
    db.configure(settings.sqlalchemy_url)
    with db.new_session() as session:
        report = audit_trail.verify(session, ring, utcnow(), day_from=day_from.date() if day_from else None,
                                    day_to=day_to.date() if day_to else None)
        if day_from is None and day_to is None:
            audit_trail.save_check(session, report, utcnow())
            session.commit()
    if report.intact:
        for line in AUDIT_INTACT:
            click.echo(line.format(rows=report.rows, seals=report.seals))
        return
    for problem in report.breaks:
        chinese, english = problem.describe()
        click.echo(f"{chinese}\n  {english}")
    sys.exit(1)


@main.command("dev")
@click.option("--port", default=5000, type=int, help="Port of the web process.")
@click.option("--emulator-port", default=EMULATOR_PORT, type=int, help="Port of the WeChat emulator.")
def dev(port: int, emulator_port: int) -> None:
    """Everything at once on the embedded default: PostgreSQL, Redis, emulator, web, worker, scheduler."""

    settings = _settings()
    if settings.is_production:
        click.echo("`banshi dev` is for development; run the Procfile's processes in production", err=True)
        sys.exit(2)
    env = dict(os.environ, BANSHI_ENV=settings.banshi_env.value, PYTHONUNBUFFERED="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               SECRET_KEY=settings.secret_key or "", DATA_KEY=settings.data_key or "",
               WECHAT_APPID=settings.wechat_appid or "", WECHAT_SECRET=settings.wechat_secret or "",
               SMS_SECRET_ID=settings.sms_secret_id or "", SMS_SECRET_KEY=settings.sms_secret_key or "",
               SMS_SDK_APP_ID=settings.sms_sdk_app_id or "")
    if "WECHAT_API_BASE" not in os.environ:
        env["WECHAT_API_BASE"] = f"http://127.0.0.1:{emulator_port}"
    if "SMS_ENDPOINT" not in os.environ:   # Tencent Cloud SMS: the same emulator answers it
        env.update(SMS_ENDPOINT=f"127.0.0.1:{emulator_port}", SMS_SCHEME="http")
    servers = None
    if not settings.database_url or not settings.redis_url:
        servers = EmbeddedServers(settings.instance_path)
        database_url, redis_url = servers.start()
        if not settings.database_url:
            env["DATABASE_URL"] = database_url
        if not settings.redis_url:
            env["REDIS_URL"] = redis_url
    returncode = 1
    try:
        upgrade(load_settings(database_url=env["DATABASE_URL"], redis_url=env["REDIS_URL"]).sqlalchemy_url)
        os.environ.update(env)
        seed_demo_command.callback()  # type: ignore[misc]
        manager = Manager(Printer(sys.stdout))
        procfile = parse_procfile((PROJECT_ROOT / "Procfile").read_text())
        for name, command in procfile.processes.items():
            manager.add_process(name, command, env=dict(env, PORT=str(port), WECHAT_EMULATOR_PORT=str(emulator_port)))
        click.echo(f"Banshi is starting: staff console http://127.0.0.1:{port}/console/  "
                   f"API docs http://127.0.0.1:{port}/api/v1/swagger  "
                   f"readiness http://127.0.0.1:{port}/readyz  "
                   f"WeChat emulator http://127.0.0.1:{emulator_port}/emulator/stats")
        manager.loop()
        returncode = manager.returncode or 0
    finally:
        if servers is not None:
            servers.stop()
    sys.exit(returncode)


if __name__ == "__main__":
    main()
