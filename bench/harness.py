"""Shared bench plumbing: servers, a gunicorn launcher and a multi-process HTTP load generator.

Absolute rates on these shared machines swing about 3x from hour to hour, so every
figure is reported as a ratio against a reference measured in the same run.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_ARGS = ["--workers", "2", "--threads", "4", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str]):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS,
                                app_spec], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn {app_spec} did not start")
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _client(port: int, path: str, headers: dict[str, str], seconds: float, queue) -> None:
    latencies: list[float] = []
    errors = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append(time.perf_counter() - started)
    queue.put((latencies, errors))


def load(port: int, path: str, *, clients: int, seconds: float, headers: dict[str, str] | None = None) -> dict:
    """Closed-loop load from `clients` processes with keep-alive connections."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_client, args=(port, path, headers or {}, seconds, queue))
               for _ in range(clients)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        part, failed = queue.get()
        latencies.extend(part)
        errors += failed
    for worker in workers:
        worker.join()
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "errors": errors,
        "rps": round(count / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if count else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2) if count else None,
    }


def emit(figure: dict) -> None:
    print(json.dumps(figure, ensure_ascii=False))


def environment_for_bench(database_url: str, redis_url: str) -> dict[str, str]:
    from config.settings import new_data_key

    env = dict(os.environ)
    env.update(BANSHI_ENV="testing", DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_LEVEL="WARNING",
               SECRET_KEY="bench-" + "x" * 40, DATA_KEY="k1:" + new_data_key(), WECHAT_APPID="wxbench",
               WECHAT_SECRET="bench-secret", WECHAT_API_BASE="http://127.0.0.1:9", PYTHONPATH=str(ROOT))
    return env
