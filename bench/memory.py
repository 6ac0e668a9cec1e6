"""Figure: a web worker's memory, and where it goes.

Default: the app under the production server settings (config/gunicorn.py: preload, 2 workers x 4 threads),
each process's RSS, USS (pages only it holds) and PSS (its share of the shared ones) after start, then after a
short wrk load on each hot citizen read. Target (issue 39): <= 120 MB RSS per web worker after the runs.

--trace: in one process, tracemalloc snapshots after the app starts and after requests of each hot route
(Flask's test client); prints what the started app holds and what the requests added, by package.
--imports: the resident memory each package's import adds (exclusive of the packages it imports), which
tracemalloc cannot see (C and Rust allocations: OpenSSL, pydantic-core's validators, shared libraries).

Usage: .venv/bin/python bench/memory.py [--seconds 2] [--trace] [--imports] [--top 25]
"""

from __future__ import annotations

import collections
import importlib.abc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench, get, gunicorn, timed_parser  # noqa: E402

MB = 2 ** 20


def hot_routes(reference: str) -> list[str]:
    return ["/api/v1/me", "/api/v1/appointments", f"/api/v1/applications/{reference}", "/api/v1/messages",
            "/api/v1/applications"]


def package_of(filename: str) -> str:
    """site-packages/<package>, miniapp_api/<domain>, or the standard library file."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/miniapp_api/" in filename:
        return "miniapp_api." + filename.split("/miniapp_api/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/config/" in filename or "/bench/" in filename:
        return filename.rsplit("/", 2)[-2]
    return "stdlib " + filename.rsplit("/", 1)[-1]


def by_package(snapshot, counter: collections.Counter | None = None) -> collections.Counter:
    counter = counter if counter is not None else collections.Counter()
    for stat in snapshot.statistics("filename"):
        counter[package_of(stat.traceback[0].filename)] += stat.size
    return counter


def print_top(title: str, counter: collections.Counter, top: int) -> None:
    print(f"\n{title} (MB, top {top}; all: {sum(counter.values()) / MB:.1f})", file=sys.stderr)
    for name, size in counter.most_common(top):
        print(f"  {size / MB:7.2f}  {name}", file=sys.stderr)


def process_memory(pid: int) -> dict:
    import psutil

    info = psutil.Process(pid).memory_full_info()
    return {"rss_mb": round(info.rss / MB, 1), "uss_mb": round(info.uss / MB, 1), "pss_mb": round(info.pss / MB, 1)}


def server_memory(port: int) -> dict:
    import psutil

    from bench.harness import _RUNNING

    master = psutil.Process(_RUNNING[port].pid)
    return {"master": process_memory(master.pid),
            "workers": [process_memory(child.pid) for child in master.children(recursive=True)]}


def mappings(pid: int, top: int) -> None:
    """The process's resident memory by mapping (a shared library, the heap, anonymous memory), from smaps."""
    sizes: collections.Counter = collections.Counter()
    private: collections.Counter = collections.Counter()
    name = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and ":" not in fields[0]:
            name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else "[anonymous]"
        elif fields[0] == "Rss:":
            sizes[name] += int(fields[1]) * 1024
        elif fields[0] in ("Private_Clean:", "Private_Dirty:"):
            private[name] += int(fields[1]) * 1024
    print(f"\nworker {pid}: resident by mapping (MB, top {top}; RSS / of which private)", file=sys.stderr)
    for mapping, size in sizes.most_common(top):
        print(f"  {size / MB:7.2f} / {private[mapping] / MB:6.2f}  {mapping}", file=sys.stderr)


def trace(env: dict[str, str], token: str, reference: str, requests: int, top: int) -> None:
    import os
    import tracemalloc

    os.environ.update(env)
    tracemalloc.start(1)
    from miniapp_api import create_app

    app = create_app()
    client = app.test_client()
    client.get("/healthz")
    started = tracemalloc.take_snapshot()
    headers = {"Authorization": f"Bearer {token}"}
    for path in hot_routes(reference):
        for _ in range(requests):
            assert client.get(path, headers=headers).status_code == 200, path
    after = tracemalloc.take_snapshot()
    print_top("held by the started app, by package", by_package(started), top)
    grown = by_package(after)
    grown.subtract(by_package(started))
    print_top("added by the requests, by package", grown, top)
    print("\nadded by the requests, by line:", file=sys.stderr)
    for stat in after.compare_to(started, "lineno")[:top]:
        print(f"  {stat.size_diff / 1024:9.1f} KB  {stat.traceback[0].filename.split('/', 3)[-1]}:"
              f"{stat.traceback[0].lineno}", file=sys.stderr)


class _Measured(importlib.abc.Loader):
    """A module loader that adds the resident memory its module's own code took to `sizes`."""

    sizes: collections.Counter = collections.Counter()
    stack: list[int] = []

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        import psutil

        before = psutil.Process().memory_info().rss
        self.stack.append(0)
        try:
            self.inner.exec_module(module)
        finally:
            inner = self.stack.pop()
            total = psutil.Process().memory_info().rss - before
            name = module.__name__
            self.sizes[name.rsplit(".", 1)[0] if name.startswith("miniapp_api.") else name.split(".")[0]] += (
                total - inner)
            if self.stack:
                self.stack[-1] += total


class _MeasuringFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Measured(spec.loader)
                return spec
        return None


def imports(env: dict[str, str], top: int) -> None:
    import os

    import psutil

    os.environ.update(env)
    start = psutil.Process().memory_info().rss
    sys.meta_path.insert(0, _MeasuringFinder())
    from miniapp_api import create_app

    create_app()
    print(f"\nimport and create_app: {start / MB:.1f} -> {psutil.Process().memory_info().rss / MB:.1f} MB RSS",
          file=sys.stderr)
    print_top("resident memory added by each package's import (its own code, not what it imports)",
              _Measured.sizes, top)


def main() -> None:
    parser = timed_parser()
    parser.set_defaults(seconds=2)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--imports", action="store_true")
    parser.add_argument("--maps", action="store_true", help="also each worker's resident memory by mapping")
    parser.add_argument("--requests", type=int, default=20, help="--trace: requests per route")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from bench.application_progress import prepare
    from bench.harness import _measure

    with bench_database("banshi_bench_memory") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        token, reference = prepare(env)
        if args.imports:
            return imports(env, args.top)
        if args.trace:
            return trace(env, token, reference, args.requests, args.top)
        headers = {"Authorization": f"Bearer {token}"}
        with gunicorn("miniapp_api:create_app()", env) as port:
            started = server_memory(port)
            for _ in range(50):   # every worker forked (the first answers /healthz before the second is up)
                if len(started["workers"]) >= 2:
                    break
                time.sleep(0.2)
                started = server_memory(port)
            runs = {path.replace(reference, "{ref}"): _measure(port, get(path, headers), clients=args.clients,
                                                               seconds=args.seconds)["rps"]
                    for path in hot_routes(reference)}
            after = server_memory(port)
            if args.maps:
                import psutil

                from bench.harness import _RUNNING

                for worker in psutil.Process(_RUNNING[port].pid).children(recursive=True):
                    mappings(worker.pid, args.top)
    worst = max(worker["rss_mb"] for worker in after["workers"])
    emit({"figure": "web_worker_memory", "subject": "gunicorn web workers, config/gunicorn.py, after start and "
          "after a wrk load on each hot citizen read", "seconds_per_route": args.seconds, "rps": runs,
          "started": started, "after": after, "worst_worker_rss_mb": worst, "target_rss_mb": 120,
          "meets_target": worst <= 120})


if __name__ == "__main__":
    main()
