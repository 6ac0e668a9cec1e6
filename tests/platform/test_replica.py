"""Reads that may be a second stale go to a real streaming replica; everything else stays on the primary, and
a replica that lags or is down is left alone until it is back.

The pair is PostgreSQL's own: a primary started for this test (the shared server admits no replication
connections) and a standby made from it with pg_basebackup, streaming over loopback, both from the
machine's PostgreSQL binaries.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from miniapp_api import create_app, readiness
from miniapp_api.migrations import upgrade
from miniapp_api.platform.db import db

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        bindir = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


class Cluster:
    """One PostgreSQL server in a folder of its own, run as the postgres user when we are root."""

    def __init__(self, bindir: Path, folder: Path, port: int) -> None:
        self.bindir, self.folder, self.port = bindir, folder, port

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr

    def ctl(self, action: str, *options: str) -> None:
        self.run(str(self.bindir / "pg_ctl"), action, "-D", str(self.folder), "-w", "-l", str(self.folder) + ".log",
                 *options)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def pair():
    bindir = _bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's server binaries (initdb, pg_basebackup) are needed for the replica test")
        pytest.skip("no PostgreSQL server binaries on this machine")
    root = Path(tempfile.mkdtemp(prefix="banshi-replica-"))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(bindir, root / "primary", free_port())
    replica = Cluster(bindir, root / "replica", free_port())
    primary.run(str(bindir / "initdb"), "-D", str(primary.folder), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8")
    with open(primary.folder / "postgresql.conf", "a") as conf:
        conf.write(f"port = {primary.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
                   "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
    with open(primary.folder / "pg_hba.conf", "a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    primary.ctl("start")
    try:
        primary.run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "banshi")
        replica.run(str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(replica.folder), "-R", "-X", "stream", "--checkpoint=fast")
        with open(replica.folder / "postgresql.conf", "a") as conf:
            conf.write(f"port = {replica.port}\nhot_standby = on\n")
        replica.ctl("start")
        yield primary, replica
    finally:
        for cluster in (replica, primary):
            subprocess.run(["runuser", "-u", "postgres", "--"] * (os.geteuid() == 0)
                           + [str(bindir / "pg_ctl"), "stop", "-D", str(cluster.folder), "-m", "immediate"],
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def replica_app(pair, settings, wechat, redis_client):
    primary, replica = pair
    upgrade(settings.__class__(**{**settings.model_dump(), "database_url": primary.url("banshi")}).sqlalchemy_url)
    configured = settings.model_copy(update={"database_url": primary.url("banshi"),
                                             "database_replica_url": replica.url("banshi"),
                                             "replica_max_lag_seconds": 600, "replica_check_seconds": 0})
    app = create_app(configured)
    yield app, primary, replica
    create_app(settings)   # the suite's app reads the suite's database again


def _on_primary(primary, statement: str) -> None:
    engine = create_engine(primary.url("banshi").replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _on_replica(replica, statement: str):
    engine = create_engine(replica.url("banshi").replace("postgresql://", "postgresql+psycopg://"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        value = connection.execute(text(statement)).scalar()
    engine.dispose()
    return value


def _item(code: str, name: str) -> str:
    return (f"INSERT INTO service_item (code, name, audience, category, high_frequency, duration_minutes, "
            f"materials, guide, pinyin_initials) VALUES ('{code}', '{name}', 'citizen', '测试', false, 15, "
            f"'[]', '{{}}', 'cs')")


def _codes(client) -> set[str]:
    response = client.get("/api/v1/items?q=cs")
    assert response.status_code == 200, response.get_json()
    return {item["code"] for item in response.get_json()["items"]}


def _wait_until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_stale_reads_use_the_replica_until_it_lags_or_stops(replica_app, wechat):
    app, primary, replica = replica_app
    client = app.test_client()
    _on_primary(primary, _item("REPLICA-1", "副本测试一"))
    _wait_until(lambda: _on_replica(replica, "SELECT count(*) FROM service_item WHERE code = 'REPLICA-1'") == 1,
                "the replica never received the first item")
    assert _codes(client) == {"REPLICA-1"}

    # Replay paused: the primary has a second item the replica has not applied. Within the allowed lag the
    # public listing comes from the replica, so it is a little stale.
    _on_replica(replica, "SELECT pg_wal_replay_pause()")
    _on_primary(primary, _item("REPLICA-2", "副本测试二"))
    _wait_until(lambda: _on_replica(replica, "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"),
                "the replica never received the second item's WAL")
    assert _codes(client) == {"REPLICA-1"}

    # A login and the citizen's own page are on the primary whatever the replica holds.
    login = client.post("/api/v1/auth/login", json={"code": wechat.login_code("o-replica-reader")})
    assert login.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.get_json()['token']}"})
    assert me.status_code == 200

    # Behind by more than the bound: the primary answers, fresh.
    db.replica.max_lag = 0
    assert _codes(client) == {"REPLICA-1", "REPLICA-2"}
    db.replica.max_lag = 600

    # Down: the primary answers, no error for the citizen.
    replica.ctl("stop", "-m", "fast")
    assert _codes(client) == {"REPLICA-1", "REPLICA-2"}

    # Back and caught up: used again.
    replica.ctl("start")
    _on_replica(replica, "SELECT pg_wal_replay_resume()")
    _wait_until(db.replica.usable, "the replica never became usable again")
    assert _codes(client) == {"REPLICA-1", "REPLICA-2"}


def test_banshi_check_sees_the_replica_streaming(pair, settings):
    primary, replica = pair
    configured = settings.model_copy(update={"database_url": primary.url("banshi"),
                                             "database_replica_url": replica.url("banshi")})
    _on_primary(primary, "CREATE TABLE IF NOT EXISTS readiness_probe (n int)")
    found = readiness.replica(configured)
    assert [(f.key, f.level) for f in found] == [("replica", readiness.Level.OK)]
    assert "正常复制" in found[0].zh
