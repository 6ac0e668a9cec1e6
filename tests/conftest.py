"""Fixtures that compose: servers → settings → app → db (rolled back per test) → client → citizen.

Everything is real: PostgreSQL, Redis, RQ workers, wechatpy over HTTP. The only
stand-in is the WeChat emulator, served on a local port.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import psycopg
import pytest
import redis
import requests
import time_machine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config.settings import Settings, new_data_key, new_signing_key
from miniapp_api import create_app
from miniapp_api.appointments import catalogue, full_slots
from miniapp_api.bootstrap import load_all_models
from miniapp_api.migrations import upgrade
from miniapp_api.notifications.sms import emulator_sms_limits, emulator_sms_templates
from miniapp_api.notifications.templates import emulator_templates
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store
from miniapp_api.sms.emulator import SmsEmulatorState
from miniapp_api.wechat.emulator import make_emulator_server
from tests.browser import artifacts, browser_type_launch_args, live_server  # noqa: F401  (browser tests)
from tests.concurrency import connections  # noqa: F401  (fixture shared by the concurrency tests)
from tests.console.conftest import console  # noqa: F401  (a signed-in console client, for other packages too)
from tests.factories import STAFF_PASSWORD, TEST_CRYPTO_SUITE, id_number
from tests.key_move import intl_store  # noqa: F401  (a store written under intl, for the key move's tests)
from tests.flows import verify_face
from tests.servers import ServersUnavailable, TestServers, find_servers

# A night-clock run (scripts/clock.sh, in CI): the wall clock of this process starts at BANSHI_WALL_CLOCK and
# runs on from there, for the whole session. Tests that move time themselves travel from it (time-machine
# nests); the processes tests start are given the test's instant (CLOCK_START), as always.
WALL_CLOCK = os.environ.get("BANSHI_WALL_CLOCK")


def pytest_sessionstart(session):
    if WALL_CLOCK:
        traveller = time_machine.travel(datetime.fromisoformat(WALL_CLOCK), tick=True)
        traveller.start()
        session.config.stash[_WALL_CLOCK_KEY] = traveller


def pytest_sessionfinish(session):
    traveller = session.config.stash.get(_WALL_CLOCK_KEY, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    lines = [f"wall clock starts at {WALL_CLOCK} (night-clock run)"] if WALL_CLOCK else []
    if TEST_CRYPTO_SUITE != "intl":   # BANSHI_TEST_CRYPTO_SUITE (scripts/crypto.sh)
        lines.append(f"cryptographic suite: {TEST_CRYPTO_SUITE}")
    return lines or None


_WALL_CLOCK_KEY = pytest.StashKey()

# Another checkout may run its own suite beside this one (a git worktree): BANSHI_TEST_DATABASE and
# BANSHI_TEST_REDIS_DB keep them apart.
TEST_DATABASE = os.environ.get("BANSHI_TEST_DATABASE", "banshi_test")


def database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def recreate_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url(admin_url, name)


@pytest.fixture(scope="session", autouse=True)
def servers(tmp_path_factory) -> Iterator[TestServers]:
    try:
        found = find_servers(ci=os.environ.get("CI", "").lower() == "true",
                             scratch=tmp_path_factory.mktemp("servers"))
    except ServersUnavailable as exc:
        pytest.exit(str(exc), returncode=3)
    yield found
    found.stop()


class Emulator:
    """The running WeChat emulator and a small client for its control API."""

    def __init__(self, url: str, app):
        self.url = url
        self.state = app.extensions["wechat_emulator"]

    def control(self, method: str, path: str, **json) -> requests.Response:
        response = requests.request(method, f"{self.url}/emulator/{path}", json=json or None, timeout=5)
        response.raise_for_status()
        return response

    def login_code(self, openid: str | None = None, unionid: str | None = None) -> str:
        return self.control("POST", "login-codes", openid=openid, unionid=unionid).json()["code"]

    def inbox(self, **filters) -> list[dict]:
        return requests.get(f"{self.url}/emulator/inbox", params=filters, timeout=5).json()

    def fault(self, api: str, **rule) -> None:
        self.control("POST", "faults", api=api, **rule)

    def reset(self) -> None:
        self.control("POST", "reset")

    def face_check(self, verify_id: str, openid: str, verify_ret: int = 10000) -> requests.Response:
        """What wx.requestFacialVerify does on the citizen's phone (verify_ret picks the outcome); a refusal
        (400) is an answer the tests look at, not an error."""
        return requests.post(f"{self.url}/emulator/facial-verify", timeout=5,
                             json={"verify_id": verify_id, "openid": openid, "verify_ret": verify_ret})

    def phone_code(self, openid: str, phone: str) -> str:
        return self.control("POST", "phone-codes", openid=openid, phone=phone).json()["code"]


@pytest.fixture(scope="session")
def wechat_credentials() -> tuple[str, str]:
    return "wx" + secrets.token_hex(8), secrets.token_hex(16)


class SmsEmulator:
    """Tencent Cloud SMS as the emulator serves it (on the WeChat emulator's server), and its control API."""

    def __init__(self, url: str):
        self.url = url

    def inbox(self, **filters) -> list[dict]:
        return requests.get(f"{self.url}/emulator/sms/inbox", params=filters, timeout=5).json()

    def fault(self, **rule) -> None:
        requests.post(f"{self.url}/emulator/sms/faults", json=rule, timeout=5).raise_for_status()

    def reset(self) -> None:
        requests.post(f"{self.url}/emulator/sms/reset", timeout=5).raise_for_status()

    def follow_the_wall_clock(self) -> None:
        """Tencent's clock is the real one, and so is the clock a worker process signs with; in a night-clock
        run this process's time is moved, so the emulator is set back to the real wall clock."""
        real = time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()
        requests.post(f"{self.url}/emulator/sms/clock", json={"offset_seconds": real - time.time()},
                      timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def sms_credentials() -> tuple[str, str, str]:
    return "AKID" + secrets.token_hex(16), secrets.token_hex(16), "1400" + str(secrets.randbelow(10**6)).zfill(6)


@pytest.fixture(scope="session")
def emulator_server(wechat_credentials, sms_credentials) -> Iterator[Emulator]:
    sms = SmsEmulatorState(*sms_credentials, {"办事通"}, emulator_sms_templates(), emulator_sms_limits())
    server = make_emulator_server("127.0.0.1", 0, *wechat_credentials, seed=7, templates=emulator_templates(),
                                  sms=sms)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Emulator(f"http://127.0.0.1:{server.server_port}", server.app)
    server.shutdown()


@pytest.fixture
def sms_emulator(emulator_server) -> Iterator[SmsEmulator]:
    emulator = SmsEmulator(emulator_server.url)
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture(scope="session")
def settings(servers, emulator_server, wechat_credentials, sms_credentials, tmp_path_factory) -> Settings:
    url = recreate_database(servers.admin_postgres_url, TEST_DATABASE)
    upgrade(make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    appid, secret = wechat_credentials
    return Settings(banshi_env="testing", database_url=url, redis_url=servers.redis_url,
                    secret_key=secrets.token_urlsafe(40), crypto_suite=TEST_CRYPTO_SUITE,
                    data_key=("g1:" if TEST_CRYPTO_SUITE == "gm" else "k1:") + new_data_key(TEST_CRYPTO_SUITE),
                    wechat_appid=appid, certificate_signing_key=new_signing_key(TEST_CRYPTO_SUITE),
                    wechat_secret=secret, wechat_api_base=emulator_server.url, log_json=True,
                    sms_secret_id=sms_credentials[0], sms_secret_key=sms_credentials[1],
                    sms_sdk_app_id=sms_credentials[2], sms_endpoint=emulator_server.url.removeprefix("http://"),
                    sms_scheme="http", sms_timeout_seconds=2.0,
                    instance_path=tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture(scope="session")
def process_env(settings) -> dict[str, str]:
    """Environment for subprocesses (workers, gunicorn) configured like the test app."""
    env = dict(os.environ)
    env.update(BANSHI_ENV="testing", DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               SECRET_KEY=settings.secret_key, DATA_KEY=settings.data_key, CRYPTO_SUITE=settings.crypto_suite,
               CERTIFICATE_SIGNING_KEY=settings.certificate_signing_key, WECHAT_APPID=settings.wechat_appid,
               WECHAT_SECRET=settings.wechat_secret, WECHAT_API_BASE=settings.wechat_api_base,
               SMS_SECRET_ID=settings.sms_secret_id, SMS_SECRET_KEY=settings.sms_secret_key,
               SMS_SDK_APP_ID=settings.sms_sdk_app_id, SMS_ENDPOINT=settings.sms_endpoint, SMS_SCHEME="http",
               SMS_TIMEOUT_SECONDS="2.0",
               INSTANCE_PATH=str(settings.instance_path))
    return env


@pytest.fixture
def wechat(emulator_server) -> Iterator[Emulator]:
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture
def redis_client(app) -> Iterator[redis.Redis]:
    """The suite's own Redis database, emptied around each test (and the process's marks of full slots, which
    live beside it: tests reuse slot ids)."""
    client = redis_store.client
    client.flushdb()
    full_slots.forget_all()
    catalogue.forget_all()
    yield client
    client.flushdb()
    full_slots.forget_all()
    catalogue.forget_all()


@pytest.fixture
def db_session(app, redis_client):
    """Each test runs in a transaction that is rolled back; commits inside become savepoints.

    Requests use their own sessions (removed at the end of each request), so data a
    test builds must be committed (= the savepoint released) before a request can see it.
    """
    assert db.engine is not None
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session_factory.configure(bind=db.engine)
        db.session_factory.kw.pop("join_transaction_mode", None)
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_db(app, redis_client):
    """For tests whose other threads or processes must see the data: real commits, tables emptied after."""
    yield db
    db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in load_all_models().metadata.sorted_tables)
    with db.engine.begin() as connection:  # type: ignore[union-attr]
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app, db_session, wechat):
    return app.test_client()


@pytest.fixture
def login(client, wechat):
    """Log a (new or given) WeChat user in through the emulator; returns the auth header."""

    def log_in(openid: str | None = None) -> dict[str, str]:
        response = client.post("/api/v1/auth/login", json={"code": wechat.login_code(openid)})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return log_in




@pytest.fixture
def verified_login(client, login, wechat):
    """Log a new WeChat user in and pass face verification through the emulator; returns the auth header."""
    counter = iter(range(5000, 10_000))

    def log_in(name: str = "王芳", number: str | None = None, openid: str | None = None) -> dict[str, str]:
        openid = openid or f"o-verified-{secrets.token_hex(6)}"
        headers = login(openid)
        confirmed = verify_face(client, wechat, headers, openid, name, number or id_number(next(counter)))
        assert confirmed.status_code == 200 and confirmed.get_json()["verified"], confirmed.get_json()
        return headers

    return log_in


@pytest.fixture
def cipher(app):
    return app.extensions["banshi.cipher"]


@pytest.fixture
def staff_login(client):
    """Log a staff member in through the staff API; returns the auth header."""

    def log_in(staff) -> dict[str, str]:
        response = client.post("/api/staff/v1/auth/login", json={"username": staff.username,
                                                                  "password": STAFF_PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return log_in
