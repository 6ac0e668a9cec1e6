"""A web worker killed in the middle of an upload leaves no half-stored record: not while the body is still
arriving, and not between writing the blob and committing its record (the blob left then is whole, and the
stray-blob sweep removes it). Real gunicorn, real SIGKILL, real PostgreSQL lock to hold it at that point."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import func, select

from bench.harness import free_port
from config.settings import PROJECT_ROOT
from miniapp_api.files import services as files
from miniapp_api.files.models import StoredFile
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.db import db
from miniapp_api.platform.storage import LocalStorage
from tests.files import samples

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


class Web:
    """One gunicorn master with one sync worker, on the test's clock, in its own process group."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--timeout", "120", "miniapp_api:create_app()"],
            env={**env, "CLOCK_START": NOW.isoformat(), "RATE_LIMITS": "false"}, cwd=PROJECT_ROOT,
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{self.url}/healthz", timeout=2)
                return
            except requests.RequestException:
                assert time.monotonic() < deadline and self.process.poll() is None, "gunicorn did not start"
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def multipart(data: bytes, boundary: str = "banshiboundary") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nmaterial\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def blobs(root: Path) -> set[Path]:
    return {p for p in root.glob("??/*") if p.is_file()}


def stored_rows() -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(StoredFile))
    finally:
        db.session.remove()   # no transaction (and no lock) left open in the test's own session


def test_a_worker_killed_mid_upload_leaves_no_record_and_no_half_blob(process_env, committed_db, wechat, settings):
    root = settings.files_root
    photo = samples.noisy_jpeg(2 * 1024 * 1024)
    web = Web(process_env)
    try:
        token = requests.post(f"{web.url}/api/v1/auth/login", json={"code": wechat.login_code("o-crash")},
                              timeout=10).json()["token"]
        before = blobs(root)

        # 1. Killed while the body is still arriving.
        body, content_type = multipart(photo)
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as raw:
            raw.sendall((f"POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                         f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode())
            raw.sendall(body[: len(body) // 2])
            time.sleep(0.5)
            web.kill()
        assert stored_rows() == 0
        assert blobs(root) == before

        # 2. Killed after the blob is written, while its record waits on a lock the test holds.
        web = Web(process_env)
        with psycopg.connect(settings.database_url, autocommit=False) as holder:
            holder.execute("LOCK TABLE stored_file IN ACCESS EXCLUSIVE MODE")
            sender = threading.Thread(target=lambda: _post_quietly(web.url, token, photo), daemon=True)
            sender.start()
            deadline = time.monotonic() + 60
            while not blobs(root) - before:
                assert time.monotonic() < deadline, "the upload never wrote its blob"
                time.sleep(0.05)
            web.kill()
            holder.rollback()
        sender.join(timeout=30)
        assert stored_rows() == 0
        (left,) = blobs(root) - before
        assert hashlib.sha256(left.read_bytes()).hexdigest() == left.name   # whole, not half-written

        # The nightly sweep removes it once it is an hour old (an upload in flight keeps its young blob).
        storage = LocalStorage(root)
        files.drop_stray_blobs(db.session, storage, time.time())
        assert left.exists()
        files.drop_stray_blobs(db.session, storage, time.time() + 7200)
        assert not left.exists()
        db.session.remove()

        # And the same upload goes through whole afterwards.
        web = Web(process_env)
        again = requests.post(f"{web.url}/api/v1/files", headers={"Authorization": f"Bearer {token}"},
                              data={"purpose": "material"}, files={"file": ("a.jpg", io.BytesIO(photo), "image/jpeg")},
                              timeout=60)
        assert again.status_code == 201, again.text
        assert stored_rows() == 1
        served = requests.get(web.url + again.json()["file"]["url"], timeout=10)
        assert hashlib.sha256(served.content).hexdigest() == again.json()["file"]["sha256"]
    finally:
        if web.process.poll() is None:
            web.kill()


def _post_quietly(url: str, token: str, photo: bytes) -> None:
    try:
        requests.post(f"{url}/api/v1/files", headers={"Authorization": f"Bearer {token}"}, data={"purpose": "material"},
                      files={"file": ("a.jpg", io.BytesIO(photo), "image/jpeg")}, timeout=60)
    except requests.RequestException:
        pass  # the server was killed under it: that is the point
