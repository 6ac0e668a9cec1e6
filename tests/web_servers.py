"""The web process as production starts it (the Procfile's `web:` line: gunicorn with config/gunicorn.py) and under
granian as bench/servers.py compares it (2 workers × 4 threads, failed workers respawned), for tests that check what
the server, not the app, does: the access log, a killed worker. Whichever the Procfile names is tested."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.harness import free_port, server_command, stop
from config.settings import PROJECT_ROOT

SERVED = ("procfile", "granian-2x4")


def procfile_web() -> str:
    return next(line.split(":", 1)[1].strip() for line in (PROJECT_ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))


def command(server: str, port: int) -> list[str]:
    if server == "procfile":
        return shlex.split(procfile_web().replace("${PORT:-5000}", str(port)))
    return server_command("miniapp_api:create_app()", port, server)


@contextmanager
def serving(server: str, env: dict[str, str], **popen) -> Iterator[tuple[int, subprocess.Popen]]:
    """The server on a free port, answering /healthz; stopped with SIGTERM (its graceful shutdown) afterwards."""
    port = free_port()
    env = dict(env, PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(command(server, port), env=env, cwd=PROJECT_ROOT, **popen)
    try:
        for _ in range(300):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    raise RuntimeError(f"{server} exited with {process.returncode}")
                time.sleep(0.1)
        yield port, process
    finally:
        stop(process)
