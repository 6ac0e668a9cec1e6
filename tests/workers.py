"""Real RQ workers in their own processes, on the test's clock.

time-machine moves only the test's own process, so a worker is told the instant its clock starts at
(CLOCK_START) and runs on from there: what it does never depends on the hour the suite runs.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime


def run_worker(env: dict[str, str], *, at: datetime) -> None:
    """Run one burst worker until the queues are empty, its clock starting at `at`."""
    assert at.tzinfo is not None, "a worker's clock needs an aware instant"
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"],
                            env={**env, "CLOCK_START": at.isoformat()}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
