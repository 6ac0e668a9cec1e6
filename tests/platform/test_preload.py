"""The web server builds the app once in its master and forks the workers after (config/gunicorn.py,
preload_app): building it opens nothing a worker could inherit, a worker forgets the master's pools, and
the libraries only a few requests need are not imported by every worker (bench/README.md, web worker memory)."""

import json
import os
import subprocess
import sys
import time

import requests
from sqlalchemy import text

from bench.harness import free_port, stop
from config.settings import PROJECT_ROOT
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store

# Imported by the function that uses them (certificates' PDF, uploads' checks, charts, spreadsheets, migrations).
LAZY = ("reportlab", "pypdf", "PIL", "openpyxl", "pygal", "segno", "alembic", "mako", "pkg_resources")

BUILD = """
import json, sys, threading
import psutil
from miniapp_api import create_app
create_app()
print(json.dumps({"threads": [t.name for t in threading.enumerate()],
                  "connections": len(psutil.Process().net_connections(kind="inet")),
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in LAZY)}))
"""


def test_building_the_app_opens_no_connection_starts_no_thread_and_imports_no_lazy_library(process_env):
    built = subprocess.run([sys.executable, "-c", f"LAZY = {LAZY!r}\n" + BUILD], env=process_env, cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(built.stdout.strip().splitlines()[-1])
    assert found == {"threads": ["MainThread"], "connections": 0, "modules": []}


def test_a_forked_process_opens_its_own_database_and_redis_connections(app, redis_client):
    # The parent holds a connection across the fork (any pooled connection would do; holding one makes the
    # check below about that very connection, whatever else the pool holds after the rest of the suite).
    with db.engine.connect() as held:
        parent_backend = held.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as pooled:   # back in the pool when the child forks
            pooled_backend = pooled.execute(text("SELECT pg_backend_pid()")).scalar_one()
        redis_client.ping()
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:   # the worker: what gunicorn's post_fork does, then a query and a Redis call of its own
            try:
                db.after_fork()
                redis_store.after_fork()
                with db.engine.connect() as connection:
                    backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
                redis_store.client.ping()
                os.write(writing, json.dumps({"backend": backend}).encode())
            finally:
                os._exit(0)
        os.close(writing)
        with os.fdopen(reading) as pipe:
            answer = json.loads(pipe.read())
        os.waitpid(child, 0)
        assert answer["backend"] != parent_backend
        # The parent's connection was left open by the child (forgotten, not closed): it still answers.
        assert held.execute(text("SELECT pg_backend_pid()")).scalar_one() == parent_backend
        # ... and so was the one in the pool: its server process is still there.
        assert held.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pooled_backend}).scalar_one() == 1
    assert redis_client.ping()


def test_gunicorn_with_the_procfile_settings_serves_from_preloaded_workers_and_replaces_a_killed_one(process_env):
    import psutil

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--bind",
                                f"127.0.0.1:{port}", "miniapp_api:create_app()"],
                               env=process_env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answered = _get_when_up(port, "/readyz")
        assert answered.status_code == 200
        # Preloaded, the first worker answers before the master has forked the second: wait for both.
        deadline = time.monotonic() + 30
        while len(workers := psutil.Process(process.pid).children()) < 2:
            assert time.monotonic() < deadline, "gunicorn never had its two workers"
            time.sleep(0.1)
        assert len(workers) == 2
        workers[0].kill()
        deadline = time.monotonic() + 30
        while len({w.pid for w in psutil.Process(process.pid).children()} - {workers[0].pid}) < 2:
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.1)
        for _ in range(8):   # both workers (the new one forked from the preloaded master) reach PostgreSQL
            assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
    finally:
        stop(process)


def _get_when_up(port: int, path: str) -> requests.Response:
    for _ in range(300):
        try:
            return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")
