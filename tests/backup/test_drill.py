"""The backup drill: real PostgreSQL, real pgBackRest, a real gunicorn taking bookings from client threads.

A PostgreSQL of the test's own (initdb in a temporary folder, its own port, run as the postgres user) is set up
for backups by `banshi backup init` exactly as a city would (it asks for the restart archive_mode needs), takes
bookings over HTTP while `banshi backup run --type full` runs, takes more, gets a named restore point and then
a mass cancel, takes more until archive_timeout alone has archived some of them, and is SIGKILLed (every process
of it) in the middle of the load. Then three
restores, each with `pgbackrest restore` into a fresh data directory (the runbook, docs/backup.md):

- the data directory is lost (a disk gone): backup + archived WAL. Acknowledged bookings still only in the lost
  pg_wal are missing; how many, and how many seconds of bookings, is the measured RPO, bounded by archive_timeout;
- the server crashed but its pg_wal survived: backup + archived WAL + the surviving pg_wal copied in: every
  booking answered 201 is there, none twice (RPO 0);
- to the named point before the mass cancel: the cancelled bookings are booked again.

Every booking answered 201 is in the client's own log (booking id, whose, when); a 201 means committed, as
synchronous_commit is on (checked). RPO and restore times are printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psutil
import psycopg
import pytest
import redis
import requests
import time_machine
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.harness import gunicorn
from miniapp_api import create_app, readiness
from miniapp_api.appointments.models import Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.citizens.models import AuthSession
from miniapp_api.citizens.services import hash_token
from miniapp_api.migrations import upgrade
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.db import db
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity
from tests.platform.test_replica import Cluster, _bindir, free_port

pytestmark = pytest.mark.integration

STANZA = "drill"
ARCHIVE_TIMEOUT = 2           # seconds; production's default is 60 (BACKUP_ARCHIVE_TIMEOUT)
CIPHER_PASS = "drill-cipher-pass-7f3a9c2e51d84b06"
DB_PASSWORD = "drill-db-password-c4e8"   # in DATABASE_URL (trust auth ignores it): it must never be printed
CITIZENS = 150
BOOKINGS_EACH = 9             # on 9 of the open days ahead (one a day is the rule), the centre's quota raised to 9
CLIENTS = 4
PAUSE = 0.15                  # between one client's bookings: ~25 bookings a second at most, all phases fit
PHASE = 80                    # acknowledged bookings per phase
CANCELLED = 40
RESTORE_POINT = "before_mass_cancel"


@dataclass
class Ack:
    booking_id: int
    token: str
    at: float                 # time.monotonic() when the 201 arrived


@dataclass
class Load:
    """Client threads booking through the running server; every 201 is logged with its booking id."""
    base: str
    plans: list[list[tuple[str, int]]]        # per client: (bearer token, slot id) in order
    item: str
    acks: list[Ack] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._client, args=(plan,), daemon=True) for plan in self.plans]
        for thread in self.threads:
            thread.start()

    def _client(self, plan: list[tuple[str, int]]) -> None:
        http = requests.Session()
        for token, slot_id in plan:
            if self.stop.is_set():
                return
            try:
                answer = http.post(f"{self.base}/api/v1/appointments", timeout=10,
                                   headers={"Authorization": f"Bearer {token}"},
                                   json={"slot_id": slot_id, "item_codes": [self.item]})
            except requests.RequestException as exc:
                with self.lock:
                    self.refusals[type(exc).__name__] += 1
                continue
            with self.lock:
                if answer.status_code == 201:
                    self.acks.append(Ack(answer.json()["id"], token, time.monotonic()))
                else:
                    self.refusals[answer.status_code] += 1
            time.sleep(PAUSE)

    def acknowledged(self) -> list[Ack]:
        with self.lock:
            return list(self.acks)

    def wait_for(self, count: int, what: str) -> None:
        deadline = time.monotonic() + 90
        while len(self.acknowledged()) < count:
            assert time.monotonic() < deadline, f"{what}: only {len(self.acknowledged())} bookings, {self.refusals}"
            assert any(t.is_alive() for t in self.threads), f"{what}: the clients ran out of plans"
            time.sleep(0.05)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


@dataclass
class Restored:
    seconds: float
    appointments: dict[int, str]      # id → status
    consistent: bool                  # every slot's booked equals its booked appointments


@dataclass
class Drill:
    root: Path
    bindir: Path
    cluster: Cluster
    env: dict[str, str]
    outputs: list[str]                # what every `banshi backup` command printed
    not_superuser: str                # what `banshi backup init` printed for a role that may not ALTER SYSTEM
    acks: list[Ack]
    before_point: set[int]            # acknowledged before the restore point was made
    cancelled: set[int]               # then cancelled (each answered 200)
    cancelled_at: float               # time.monotonic() when the last cancel was answered
    killed_at: float
    synchronous_commit: str

    def pgbackrest(self, *arguments: str) -> None:
        self.cluster.run("pgbackrest", f"--config={self.root / 'pgbackrest.conf'}", f"--stanza={STANZA}",
                         *arguments)

    def restore(self, name: str, *options: str, surviving_wal: bool = False) -> Restored:
        """`pgbackrest restore` into a fresh data directory, started on a port of its own; timed until it
        answers out of recovery."""
        target = Cluster(self.bindir, self.root / name, free_port())
        started = time.monotonic()
        # archive-mode=off: a drill's copy must not push its new timeline into the live repository.
        self.pgbackrest(f"--pg1-path={target.folder}", "--archive-mode=off", *options, "restore")
        if surviving_wal:
            for segment in sorted((self.cluster.folder / "pg_wal").glob("0*")):
                shutil.copy2(segment, target.folder / "pg_wal" / segment.name)
                if os.geteuid() == 0:
                    shutil.chown(target.folder / "pg_wal" / segment.name, "postgres", "postgres")
        target.ctl("start", "-o", f"-p {target.port}", "-t", "120")
        try:
            url = target.url("banshi")
            deadline = time.monotonic() + 120
            while True:
                try:
                    with psycopg.connect(url, connect_timeout=2) as connection:
                        if not connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                            break
                except psycopg.OperationalError:
                    pass
                assert time.monotonic() < deadline, f"{name}: the restored server never left recovery"
                time.sleep(0.1)
            seconds = time.monotonic() - started
            with psycopg.connect(url) as connection:
                appointments = dict(connection.execute("SELECT id, status FROM appointment").fetchall())
                drift = connection.execute(
                    "SELECT count(*) FROM slot s WHERE s.booked <> (SELECT count(*) FROM appointment_slot x "
                    "JOIN appointment a ON a.id = x.appointment_id WHERE x.slot_id = s.id AND a.status = 'booked')"
                ).fetchone()[0]
        finally:
            target.ctl("stop", "-m", "immediate")
        return Restored(seconds, appointments, drift == 0)


def _require_tools() -> Path:
    bindir = _bindir()
    missing = [name for name, ok in (("pgbackrest", shutil.which("pgbackrest")), ("PostgreSQL's initdb", bindir),
                                     ("runuser", os.geteuid() != 0 or shutil.which("runuser"))) if not ok]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the backup drill needs {', '.join(missing)} (./test installs pgbackrest: "
                        "scripts/pgbackrest.sh)")
        pytest.skip(f"no {', '.join(missing)} here (./test installs pgbackrest: scripts/pgbackrest.sh)")
    return bindir


def banshi_backup(env: dict[str, str], outputs: list[str], *arguments: str, expect: int = 0) -> str:
    finished = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "backup", *arguments], env=env,
                              capture_output=True, text=True, timeout=300, check=False,
                              cwd=Path(__file__).resolve().parents[2])
    said = finished.stdout + finished.stderr
    outputs.append(said)
    assert finished.returncode == expect, said
    return said


def _wait_until_archived(connection: psycopg.Connection, segment: str) -> None:
    """Until the server reports `segment` (or a later one) archived: a minute at most."""
    deadline = time.monotonic() + 60
    while (connection.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0] or "") < segment:
        assert time.monotonic() < deadline, f"WAL segment {segment} was never archived"
        time.sleep(0.05)


def _postmaster(cluster: Cluster) -> psutil.Process | None:
    """The running postmaster of this data directory (checked by its command line: a stale pid file may name a
    process that is not ours)."""
    try:
        process = psutil.Process(int((cluster.folder / "postmaster.pid").read_text().split()[0]))
        return process if str(cluster.folder) in process.cmdline() else None
    except (FileNotFoundError, psutil.Error):
        return None


def _kill_every_process(cluster: Cluster) -> None:
    """SIGKILL the postmaster and every backend at once: no shutdown checkpoint, nothing flushed on the way."""
    postmaster = _postmaster(cluster)
    assert postmaster is not None, "the drill's PostgreSQL is not running"
    everyone = [postmaster, *postmaster.children(recursive=True)]
    for process in everyone:
        process.kill()
    psutil.wait_procs(everyone, timeout=30)


def _seed(settings, url: str) -> tuple[list[list[tuple[str, int]]], str]:
    """A centre with 10-seat slots on its general window, and CITIZENS verified citizens with a login each;
    the clients' plans: each citizen books the quick item on BOOKINGS_EACH of the open days."""
    drill_settings = settings.model_copy(update={"database_url": url})
    app = create_app(drill_settings)
    try:
        session = db.session
        hall = build_hall(session, MONDAY_8AM, counters=10)
        # Two weeks ahead and a quota of BOOKINGS_EACH: fewer citizens to make, as many bookings.
        hall.centre.booking_horizon_days, hall.centre.max_active_per_person = 14, BOOKINGS_EACH
        session.flush()
        sync_slots(session, hall.centre.id, MONDAY_8AM)
        slots_by_day: dict[date, list[int]] = {}
        for slot in session.scalars(select(Slot).where(Slot.window_id == hall.general.id).order_by(Slot.starts_at)):
            slots_by_day.setdefault(local_date(slot.starts_at), []).append(slot.id)
        days = sorted(day for day in slots_by_day if day > local_date(MONDAY_8AM))   # a day ahead: cancellable
        assert len(days) >= BOOKINGS_EACH, slots_by_day.keys()
        cipher = app.extensions["banshi.cipher"]
        plans: list[list[tuple[str, int]]] = [[] for _ in range(CLIENTS)]
        for n in range(CITIZENS):
            citizen = citizen_with_identity(session, cipher, 5000 + n, name="刘洋")
            token = f"bs_drill_{n}"
            session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token),
                                    expires_at=MONDAY_8AM + timedelta(days=30)))
            for k in range(BOOKINGS_EACH):
                day = slots_by_day[days[(n + k) % len(days)]]
                plans[n % CLIENTS].append((token, day[(n * 7 + k) % len(day)]))
        item = hall.quick.code
        session.commit()
    finally:
        db.session.remove()
        create_app(settings)    # the suite's app reads the suite's database again
    return plans, item


@pytest.fixture(scope="module")
def drill(settings, process_env, emulator_server) -> Drill:
    bindir = _require_tools()
    root = Path(tempfile.mkdtemp(prefix="banshi-backup-"))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bindir, root / "data", free_port())
    cluster.run(str(bindir / "initdb"), "-D", str(cluster.folder), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8")
    with open(cluster.folder / "postgresql.conf", "a") as conf:
        conf.write(f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n")
    cluster.ctl("start")
    redis.Redis.from_url(settings.redis_url).flushdb()
    try:
        cluster.run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "banshi")
        url = make_url(cluster.url("banshi")).set(password=DB_PASSWORD).render_as_string(hide_password=False)
        env = dict(process_env, DATABASE_URL=url, BACKUP_STANZA=STANZA, BACKUP_REPO_PATH=str(root / "repo"),
                   BACKUP_CONFIG_PATH=str(root / "pgbackrest.conf"), BACKUP_LOG_PATH=str(root / "log"),
                   BACKUP_RUN_AS="postgres", BACKUP_ARCHIVE_TIMEOUT=str(ARCHIVE_TIMEOUT), BACKUP_CIPHER_PASS=CIPHER_PASS)
        outputs: list[str] = []
        # A role that may read the settings but not ALTER SYSTEM is told what a superuser must set, and why.
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE ROLE clerk LOGIN PASSWORD '{DB_PASSWORD}' IN ROLE pg_read_all_settings")
        clerk_url = make_url(url).set(username="clerk").render_as_string(hide_password=False)
        not_superuser = banshi_backup(dict(env, DATABASE_URL=clerk_url), outputs, "init", expect=2)
        # As in a city: init sets archiving and asks for the restart archive_mode needs; after it, init checks.
        asked = banshi_backup(env, outputs, "init", expect=3)
        assert "restart" in asked
        cluster.ctl("restart")
        banshi_backup(env, outputs, "init")
        upgrade(make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
        plans, item = _seed(settings, url)
        with psycopg.connect(url) as connection:
            synchronous_commit = connection.execute("SHOW synchronous_commit").fetchone()[0]

        # One clock for every gunicorn worker: MONDAY_8AM at the real instant now (as tests/authority does).
        hatch = time_machine.escape_hatch
        real_now = datetime.fromtimestamp(hatch.time.time() if hatch.is_travelling() else time.time(), UTC)
        web_env = dict(env, CLOCK_START=MONDAY_8AM.isoformat(), CLOCK_ANCHOR=real_now.isoformat(),
                       RATE_LIMITS="false")
        with gunicorn("miniapp_api:create_app()", web_env) as port:
            load = Load(f"http://127.0.0.1:{port}", plans, item)
            load.start()
            try:
                load.wait_for(PHASE, "before the full backup")
                banshi_backup(env, outputs, "run", "--type", "full")      # online, under load
                load.wait_for(len(load.acknowledged()) + PHASE, "after the full backup")

                before_point = {ack.booking_id for ack in load.acknowledged()}
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute("SELECT pg_create_restore_point(%s)", (RESTORE_POINT,))
                    _wait_until_archived(connection, connection.execute(
                        "SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0])

                # The mass cancel: 40 bookings acknowledged before the point, cancelled by their holders.
                tokens = {ack.booking_id: ack.token for ack in load.acknowledged()}
                cancelled = set(sorted(before_point)[:CANCELLED])
                for booking_id in cancelled:
                    answer = requests.post(f"{load.base}/api/v1/appointments/{booking_id}/cancel", timeout=10,
                                           headers={"Authorization": f"Bearer {tokens[booking_id]}"})
                    assert answer.status_code == 200, answer.text

                # More bookings; the kill comes once the WAL holding them has been archived by archive_timeout
                # alone (no forced switch): the archiver keeps up under load, and what the kill then loses is
                # the WAL written since, as on any day.
                cancelled_at = time.monotonic()
                load.wait_for(len(load.acknowledged()) + PHASE, "after the mass cancel")
                with psycopg.connect(url, autocommit=True) as connection:
                    _wait_until_archived(connection, connection.execute(
                        "SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()[0])
                _kill_every_process(cluster)            # mid-load: the clients are still booking
                killed_at = time.monotonic()
                time.sleep(1)
            finally:
                load.finish()
        acks = load.acknowledged()
        yield Drill(root, bindir, cluster, env, outputs, not_superuser, acks, before_point, cancelled, cancelled_at,
                    killed_at, synchronous_commit)
    finally:
        if _postmaster(cluster) is not None:
            _kill_every_process(cluster)
        redis.Redis.from_url(settings.redis_url).flushdb()
        shutil.rmtree(root, ignore_errors=True)


def _report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\nbackup drill: {line}")


def test_restore_to_latest_after_a_sigkill(drill: Drill, capsys):
    acknowledged = [ack.booking_id for ack in drill.acks]
    assert drill.synchronous_commit == "on"                      # a 201 means committed
    assert len(acknowledged) == len(set(acknowledged)) >= 3 * PHASE

    # The data directory lost: the backup and the archived WAL only.
    lost = drill.restore("restored-lost", "--type=default")
    missing = [ack for ack in drill.acks if ack.booking_id not in lost.appointments]
    assert lost.consistent
    assert drill.before_point <= set(lost.appointments)         # WAL archived past the backup was replayed
    window = drill.killed_at - min((ack.at for ack in missing), default=drill.killed_at)
    after_cancel = {ack.booking_id for ack in drill.acks if ack.at > drill.cancelled_at}
    assert after_cancel & set(lost.appointments)                # archived under load, by archive_timeout alone
    assert window <= ARCHIVE_TIMEOUT + 8, (len(missing), window)

    # The server crashed, its pg_wal survived: copied in, every acknowledged booking is back, once.
    crashed = drill.restore("restored-crash", "--type=default", surviving_wal=True)
    assert crashed.consistent
    assert set(acknowledged) <= set(crashed.appointments)
    assert all(crashed.appointments[i] == "booked" for i in acknowledged if i not in drill.cancelled)
    assert all(crashed.appointments[i] == "cancelled" for i in drill.cancelled)

    _report(capsys, f"{len(acknowledged)} bookings acknowledged; data directory lost: {len(missing)} of them "
                    f"missing (RPO {len(missing)} booking(s), the last {window:.1f} s before the kill; "
                    f"archive_timeout {ARCHIVE_TIMEOUT} s), restored in {lost.seconds:.1f} s; server crashed with "
                    f"pg_wal kept: 0 missing, restored in {crashed.seconds:.1f} s")


def test_restore_to_the_point_before_a_mass_cancel_brings_the_bookings_back(drill: Drill, capsys):
    back = drill.restore("restored-point", "--type=name", f"--target={RESTORE_POINT}", "--target-action=promote")
    assert back.consistent
    assert drill.before_point <= set(back.appointments)
    assert all(back.appointments[i] == "booked" for i in drill.cancelled)
    later = {ack.booking_id for ack in drill.acks} - drill.before_point
    assert len(set(back.appointments) & later) < len(later)      # it stopped at the point, not at the end
    _report(capsys, f"restore to the named point before the mass cancel: {len(drill.cancelled)} cancelled "
                    f"bookings booked again, restored in {back.seconds:.1f} s")


def test_info_says_when_the_last_backup_was(drill: Drill):
    said = banshi_backup(drill.env, [], "info")
    assert "最近一次备份" in said and "全量备份" in said and "last backup:" in said and ", full (database" in said


def test_banshi_check_sees_the_recent_backup_and_says_when_it_is_too_old(drill: Drill):
    settings, invalid = readiness.settings_from(drill.env)
    assert settings is not None and invalid == []
    hatch = time_machine.escape_hatch
    real_now = datetime.fromtimestamp(hatch.time.time() if hatch.is_travelling() else time.time(), UTC)
    assert [(f.key, f.level) for f in readiness.backups(settings, real_now)] == [("backup", readiness.Level.OK)]
    stale = readiness.backups(settings, real_now + timedelta(hours=30))[0]
    assert stale.level is readiness.Level.FAIL and "小时前" in stale.zh


def test_init_tells_a_role_without_alter_system_what_to_set(drill: Drill):
    said = drill.not_superuser
    assert "not a superuser" in said and "ALTER SYSTEM SET archive_mode = 'on';" in said
    assert f"--stanza={STANZA} archive-push %p" in said and "restart PostgreSQL" in said


def test_no_password_or_key_in_what_the_backup_commands_print_or_log(drill: Drill):
    """`banshi backup` prints pgBackRest's errors and summaries; pgBackRest logs its options. Neither may show the
    database password or the repository's cipher pass (which is only in the 0640 configuration file)."""
    logs = [path.read_text() for path in (drill.root / "log").glob("*.log")]
    assert len(drill.outputs) >= 4 and logs and any("--repo1-cipher-pass=<redacted>" in log for log in logs)
    for text in [*drill.outputs, *logs]:
        assert DB_PASSWORD not in text and CIPHER_PASS not in text
    assert CIPHER_PASS in (drill.root / "pgbackrest.conf").read_text()
    assert (drill.root / "pgbackrest.conf").stat().st_mode & 0o777 == 0o640
