"""A web worker SIGKILLed under load: the server as production starts it (the Procfile's gunicorn) and granian
(with --respawn-failed-workers: without it granian shuts down altogether when one worker dies) both keep serving
through the other worker, start a replacement and answer normally after; only the requests the dead worker held
are lost. The full fault soak (bench/soak.py, tests/bench) kills a worker
the same way, with bookings in flight, under whichever server BENCH_SERVER names."""

import os
import signal
import threading
import time
from collections import Counter

import psutil
import pytest
import requests

from tests.web_servers import SERVED, serving


def workers(master: int) -> list[int]:
    return [child.pid for child in psutil.Process(master).children()]


@pytest.mark.parametrize("server", SERVED)
def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(process_env, server):
    with serving(server, process_env) as (port, process):
        started = time.monotonic()
        while len(first := workers(process.pid)) < 2 and time.monotonic() - started < 30:
            time.sleep(0.1)   # the first worker up answers /healthz before the second is forked
        assert len(first) == 2, first
        answers: Counter = Counter()
        stop = threading.Event()

        def ask() -> None:
            session = requests.Session()
            while not stop.is_set():
                try:
                    answers[session.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code] += 1
                except requests.RequestException:
                    answers["lost"] += 1
                    session = requests.Session()

        askers = [threading.Thread(target=ask) for _ in range(4)]
        for asker in askers:
            asker.start()
        try:
            time.sleep(1)
            os.kill(first[0], signal.SIGKILL)
            replaced_after = None
            killed_at = time.monotonic()
            while time.monotonic() - killed_at < 20:
                now = workers(process.pid)
                if len(now) == 2 and first[0] not in now:
                    replaced_after = time.monotonic() - killed_at
                    break
                time.sleep(0.1)
            before = answers[200]
            time.sleep(2)
        finally:
            stop.set()
            for asker in askers:
                asker.join()
        assert process.poll() is None, f"{server} exited when one worker was killed"
        assert replaced_after is not None, f"{server} did not replace the killed worker: {workers(process.pid)}"
        assert answers[200] > before          # answering after the replacement
        assert answers["lost"] <= 4, answers  # at most what the dead worker held (one per client)
        assert set(answers) <= {200, "lost"}, answers
        assert first[1] in workers(process.pid)   # the other worker was left alone
