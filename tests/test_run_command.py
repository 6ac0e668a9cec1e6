"""README's run command end to end: embedded servers, emulator, web, worker, scheduler, demo data."""

import os
import signal
import socket
import subprocess
import sys
import time

import psycopg
import pytest
import requests

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not become ready")
        time.sleep(0.5)


def test_dev_command_brings_everything_up_and_down(tmp_path):
    web, wechat = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "WECHAT_API_BASE", "BANSHI_ENV")}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BANSHI_ENV="development")
    process = subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "dev", "--port", str(web),
                                "--emulator-port", str(wechat)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        ready = wait_for(f"http://127.0.0.1:{web}/readyz")
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
        code = requests.post(f"http://127.0.0.1:{wechat}/emulator/login-codes", json={}, timeout=5).json()["code"]
        login = requests.post(f"http://127.0.0.1:{web}/api/v1/auth/login", json={"code": code}, timeout=10)
        assert login.status_code == 200, login.text
        spec = requests.get(f"http://127.0.0.1:{web}/api/v1/openapi.json", timeout=5).json()
        assert "/api/v1/me" in spec["paths"]
        pgdata = tmp_path / "instance" / "pgdata"
        with psycopg.connect(f"postgresql://postgres@/banshi?host={pgdata}") as connection:
            centres = connection.execute("SELECT count(*) FROM centre").fetchone()[0]
            items = connection.execute("SELECT count(*) FROM service_item").fetchone()[0]
        assert centres >= 9 and items >= 9
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode in (0, 130), output[-3000:]  # 130: stopped by Ctrl-C
    assert not (tmp_path / "instance" / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{web}/healthz", timeout=2)
