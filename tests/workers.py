"""Real RQ workers in their own processes, on the test's clock.

time-machine moves only the test's own process, so a worker is told the instant its clock starts at
(CLOCK_START) and runs on from there: what it does never depends on the hour the suite runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime


def run_worker(env: dict[str, str], *, at: datetime) -> None:
    """Run one burst worker until the queues are empty, its clock starting at `at`."""
    assert at.tzinfo is not None, "a worker's clock needs an aware instant"
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"],
                            env={**env, "CLOCK_START": at.isoformat()}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def kill_worker_when(env: dict[str, str], *, at: datetime, ready: Callable[[], bool], what: str) -> None:
    """Start a burst worker on the test's clock and SIGKILL it with its work horse, mid-transaction, as soon as
    `ready()` says it has reached the point the test holds it at (`what`, for the failure message)."""
    worker = subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"],
                              env={**env, "CLOCK_START": at.isoformat()}, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert time.monotonic() < deadline, f"the worker never reached {what}"
            assert worker.poll() is None, f"the worker ended before it reached {what}"
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
