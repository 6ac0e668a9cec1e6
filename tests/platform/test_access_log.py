"""The web process's access log (the Procfile's gunicorn settings) keeps query strings and referers out:
they carry citizens' coordinates, search words and references; and certificate tokens in paths are redacted."""

import subprocess
import sys
import time

import requests

from bench.harness import free_port
from config.settings import PROJECT_ROOT


def test_the_access_log_has_the_path_but_not_the_query_string(process_env):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--bind",
                                f"127.0.0.1:{port}", "--workers", "1", "miniapp_api:create_app()"],
                               env=process_env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        for _ in range(200):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        answered = requests.get(f"http://127.0.0.1:{port}/api/v1/centres",
                                params={"lat": "36.4567", "lng": "115.9876", "item": "营业执照"},
                                headers={"Referer": "https://example.com/?ref=BS20261123-ABCDEF"}, timeout=10)
        assert answered.status_code in (200, 404, 422)
        checked = requests.get(f"http://127.0.0.1:{port}/verify/Zq8VvW2xXjT4kLmN9pQr", timeout=10)
        assert checked.status_code == 404
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    access = [line for line in output.splitlines() if '"GET /api/v1/centres' in line]
    assert len(access) == 1, output[-2000:]
    assert "36.4567" not in output and "115.9876" not in output and "BS20261123" not in output
    assert "Zq8VvW2x" not in output and '"GET /verify/<redacted>" 404' in output, output[-2000:]
