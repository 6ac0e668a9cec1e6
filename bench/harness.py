"""Shared bench plumbing: servers, a gunicorn launcher and a multi-process HTTP load generator.

Absolute rates on these shared machines swing about 3x from hour to hour, so every
figure is reported as a ratio against a reference measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The servers bench/servers.py compares; the figures run under SERVER (the production settings,
# config/gunicorn.py) unless BENCH_SERVER names another.
SERVERS = {
    "gunicorn-gthread-2x4": ["gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread"],
    "gunicorn-gthread-4x2": ["gunicorn", "--workers", "4", "--threads", "2", "--worker-class", "gthread"],
    "gunicorn-sync-4": ["gunicorn", "--workers", "4", "--worker-class", "sync"],
    "gunicorn-sync-8": ["gunicorn", "--workers", "8", "--worker-class", "sync"],
    # As the Procfile runs it: a killed worker is replaced, a stuck one is killed 30 s into a shutdown.
    "granian-2x4": ["granian", "--workers", "2", "--blocking-threads", "4", "--respawn-failed-workers",
                    "--workers-kill-timeout", "30"],
    "granian-4x1": ["granian", "--workers", "4", "--blocking-threads", "1", "--respawn-failed-workers",
                    "--workers-kill-timeout", "30"],
}
SERVER = "gunicorn-gthread-2x4"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(app_spec: str, port: int, server: str) -> list[str]:
    kind, *options = SERVERS[server]
    if kind == "granian":
        module, _, call = app_spec.partition(":")
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--no-access-log", *options, "--factory", f"{module}:{call.rstrip('()')}"]
    # The production settings (config/gunicorn.py); the setting's own options win.
    return [sys.executable, "-m", "gunicorn", "--config", "python:bench.gunicorn_bench", "--bind",
            f"127.0.0.1:{port}", "--log-level", "warning", *options, app_spec]


_RUNNING: dict[int, subprocess.Popen] = {}


def worker_pids(port: int) -> list[int]:
    """The worker processes of the server on `port` (the master itself when it has none)."""
    import psutil

    master = psutil.Process(_RUNNING[port].pid)
    return [worker.pid for worker in master.children(recursive=True)] or [master.pid]


def worker_rss_mb(port: int) -> float:
    """The largest resident set of the server's worker processes (the master does no request work)."""
    import psutil

    return round(max(psutil.Process(pid).memory_info().rss for pid in worker_pids(port)) / 2**20, 1)


# A server's graceful shutdown (config/gunicorn.py graceful_timeout) plus room for its master to reap the workers.
STOP_WAIT = 45


def stop(process: subprocess.Popen, wait: float = STOP_WAIT) -> None:
    """Stop a server as a supervisor does: SIGTERM (its graceful shutdown), then SIGKILL if it is still there after
    `wait` seconds. A server that needed the kill is reported on stderr, not raised: the test or the figure it served
    is over, and gunicorn's own master kills a worker that outlives graceful_timeout in production too."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        print(f"server pid {process.pid} still running {wait:.0f} s after SIGTERM: killed", file=sys.stderr)
        process.kill()
        process.wait(timeout=10)


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], server: str | None = None):
    """The app under a real server (gunicorn by default, see SERVERS), yielding its port once it answers."""
    port = free_port()
    server = server or os.environ.get("BENCH_SERVER") or SERVER
    # The server's own output goes to stderr: standard output carries the figures.
    process = subprocess.Popen(server_command(app_spec, port, server), env=env, cwd=ROOT, stdout=sys.stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    connection.request("GET", "/healthz")
                    connection.getresponse().read()
                finally:
                    connection.close()    # not left kept alive in the server while the test runs
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{server} {app_spec} did not start")
                time.sleep(0.2)
        _RUNNING[port] = process
        yield port
    finally:
        _RUNNING.pop(port, None)
        stop(process)


RequestFor = Callable[[int, int], tuple[str, str, dict[str, str], bytes | None]]


def get(path: str, headers: dict[str, str] | None = None) -> RequestFor:
    return lambda _client, _n: ("GET", path, headers or {}, None)


def post_json(path: str, body: dict, headers_for: Callable[[int], dict[str, str]] | None = None) -> RequestFor:
    """The same JSON body every time; headers may differ per client (e.g. each its own bearer token)."""
    payload = json.dumps(body, ensure_ascii=False).encode()

    def request_for(client: int, _n: int):
        headers = {"Content-Type": "application/json", **(headers_for(client) if headers_for else {})}
        return "POST", path, headers, payload

    return request_for


def _client(port: int, client_index: int, request_for: RequestFor, seconds: float) -> tuple[list[float], Counter]:
    latencies: list[float] = []
    statuses: Counter = Counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.perf_counter() + seconds
    sequence = 0
    while time.perf_counter() < deadline:
        method, path, headers, body = request_for(client_index, sequence)
        sequence += 1
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException):
            statuses["error"] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - started)
    return latencies, statuses


def _process(port: int, first_client: int, threads: int, request_for: RequestFor, seconds: float, queue) -> None:
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda i: _client(port, first_client + i, request_for, seconds), range(threads)))
    queue.put(([x for part in parts for x in part[0]], sum((part[1] for part in parts), Counter())))


def load(port: int, request_for: RequestFor, *, clients: int, seconds: float, processes: int | None = None) -> dict:
    """Closed-loop load: `clients` keep-alive connections spread over forked processes (threads inside).

    Forked, so `request_for` may be any callable; it gets (client index, sequence number).
    """
    processes = processes or min(clients, 8)
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers, first = [], 0
    for threads in per_process:
        workers.append(multiprocessing.get_context("fork").Process(
            target=_process, args=(port, first, threads, request_for, seconds, queue)))
        first += threads
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    statuses: Counter = Counter()
    for _ in workers:
        part, counts = queue.get()
        latencies.extend(part)
        statuses.update(counts)
    for worker in workers:
        worker.join()
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "errors": sum(v for k, v in statuses.items() if k == "error" or int(k) >= 500),
        "rps": round(count / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if count else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2) if count else None,
        "max_ms": round(latencies[-1] * 1000, 2) if count else None,
    }


# wrk (Debian's package) drives the HTTP figures: a C load generator uses a fraction of the CPU the
# Python one needs, so on these 2-core machines it takes far less from the server it measures. The Lua
# script counts statuses per thread and prints one JSON line at the end; `request_lua` is the body of
# a `request()` function that may use `thread_id` and `n` (this thread's request count, from 0).
WRK_SCRIPT = """
local threads = {}
local thread_count = 0
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end
function init(args)
  n = 0
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
%(preamble)s
request = function()
  local r = build(thread_id, n)
  n = n + 1
  return r
end
function build(thread_id, n)
%(request_lua)s
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%%s": %%d', status, count))
  end
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"statuses": {%%s}}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, ", ")))
end
"""


def wrk_available() -> bool:
    """wrk is installed and not turned off (BENCH_GENERATOR=python compares with figures taken before wrk)."""
    import shutil

    return shutil.which("wrk") is not None and os.environ.get("BENCH_GENERATOR") != "python"


def wrk_load(port: int, request_lua: str, *, clients: int, seconds: float, preamble: str = "",
             threads: int = 2) -> dict:
    """Closed-loop load from wrk: `clients` connections over `threads` threads; same result shape as `load`."""
    import tempfile

    script = Path(tempfile.mkdtemp(prefix="banshi-wrk-")) / "load.lua"
    script.write_text(WRK_SCRIPT % {"preamble": preamble, "request_lua": request_lua})
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, int(seconds))}s", "--timeout", "30s",
               "-s", str(script), f"http://127.0.0.1:{port}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {result.stdout[-1000:]} {result.stderr[-1000:]}")
    raw = json.loads(line[4:])
    duration = raw["duration_us"] / 1e6
    errors = raw["errors"] + sum(count for status, count in raw["statuses"].items() if int(status) >= 500)
    return {"generator": "wrk", "requests": raw["requests"], "statuses": dict(sorted(raw["statuses"].items())),
            "errors": errors, "rps": round(raw["requests"] / duration, 1), "p50_ms": round(raw["p50_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 2)}


def lua_string(value: str) -> str:
    """A Lua string literal of `value`'s UTF-8 bytes (decimal escapes for anything but plain ASCII)."""
    plain = set(b" !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~")
    return '"' + "".join(chr(b) if b in plain else f"\\{b:03d}" for b in value.encode()) + '"'


@contextmanager
def bench_database(name: str):
    """A fresh database `name` on the local servers (or embedded ones); yields (database_url, redis_url).

    BENCH_DATABASE_SUFFIX is appended to the name, so that benches run by several people on one server do not
    drop each other's database; the Redis database is BANSHI_TEST_REDIS_DB's, as for the tests."""
    import tempfile

    from miniapp_api.platform.observability import configure_logging
    from tests.conftest import recreate_database
    from tests.servers import find_servers

    configure_logging("WARNING")  # this process's own log lines (setup) go to stderr, never into the figures
    servers = find_servers(ci=False, scratch=Path(tempfile.mkdtemp(prefix="banshi-bench-")))
    try:
        yield (recreate_database(servers.admin_postgres_url, name + os.environ.get("BENCH_DATABASE_SUFFIX", "")),
               servers.redis_url)
    finally:
        servers.stop()


def emit(figure: dict) -> None:
    print(json.dumps(figure, ensure_ascii=False))


def environment_for_bench(database_url: str, redis_url: str) -> dict[str, str]:
    from config.settings import new_data_key

    env = dict(os.environ)
    # RATE_LIMITS off: every bench client shares one IP, which the per-IP limit would stop.
    env.update(BANSHI_ENV="testing", DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_LEVEL="WARNING",
               RATE_LIMITS="false",
               SECRET_KEY="bench-" + "x" * 40, DATA_KEY="k1:" + new_data_key(), WECHAT_APPID="wxbench",
               WECHAT_SECRET="bench-secret", WECHAT_API_BASE="http://127.0.0.1:9", PYTHONPATH=str(ROOT))
    return env


def against_bare(env: dict[str, str], path: str, headers: dict[str, str], *, clients: int,
                 seconds: float) -> tuple[dict, dict]:
    """GET `path` on the real app against a bare Flask JSON endpoint: returns (subject, reference)."""
    return compare(env, get(path, headers), get("/hello"), clients=clients, seconds=seconds)


def wrk_requests(request_for: RequestFor, clients: int) -> tuple[str, str]:
    """Lua for wrk from a Python request maker: each client's first request (clients differ only in their
    headers, e.g. their own bearer token), taken in turn."""
    made = list(dict.fromkeys(
        (method, path, tuple(sorted(headers.items())), body or b"")
        for method, path, headers, body in (request_for(client, 0) for client in range(clients))))
    entries = []
    for method, path, headers, body in made:
        header_table = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers)
        entries.append(f"{{{lua_string(method)}, {lua_string(path)}, {{{header_table}}}, "
                       f"{lua_string(body.decode()) if body else 'nil'}}}")
    return ("  local r = made[(thread_id * 7919 + n) % #made + 1]\n"
            "  return wrk.format(r[1], r[2], r[3], r[4])", "made = {" + ",\n".join(entries) + "}\n")


def _measure(port: int, request_for: RequestFor, *, clients: int, seconds: float) -> dict:
    """wrk when installed (a one-second warm-up first), else the Python generator."""
    if wrk_available():
        request_lua, preamble = wrk_requests(request_for, clients)
        wrk_load(port, request_lua, clients=clients, seconds=1, preamble=preamble)
        return wrk_load(port, request_lua, clients=clients, seconds=seconds, preamble=preamble)
    load(port, request_for, clients=clients, seconds=1)
    return load(port, request_for, clients=clients, seconds=seconds)


def compare(env: dict[str, str], subject_request: RequestFor, reference_request: RequestFor, *, clients: int,
            seconds: float) -> tuple[dict, dict]:
    """Load the bare app, then the real one, under the same server settings and the same load generator;
    returns (subject, reference); the subject's result carries the web worker's memory afterwards."""
    with gunicorn("bench.bare_app:create_bare_app()", env) as port:
        reference = _measure(port, reference_request, clients=clients, seconds=seconds)
    with gunicorn("miniapp_api:create_app()", env) as port:
        subject = _measure(port, subject_request, clients=clients, seconds=seconds)
        subject["web_worker_rss_mb"] = worker_rss_mb(port)
    return subject, reference


def timed_parser(clients: int = 16) -> argparse.ArgumentParser:
    """The options every timed HTTP figure takes (bench/run passes --seconds through)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=clients)
    return parser
