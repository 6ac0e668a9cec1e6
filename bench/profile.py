"""Where a request's time goes: py-spy samples every gunicorn worker while the bench load runs.

Usage: bench/profile.py booking|me [--seconds N]
Prints one JSON line: for the busiest frames, the share of the workers' samples (idle excluded) that have the
frame on their stack (inclusive), and the share spent in the frame itself (self). The README's profile
breakdown is this output, read by a person.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench, gunicorn, load, worker_pids  # noqa: E402

IDLE = ("select (selectors.py", "wait (threading.py", "accept (socket.py", "sleep (gunicorn", "_wait_for_tstate_lock",
        "poll (selectors.py", "run_for_one", "wait_for_events")


# The README's breakdown: a sample counts toward a part when a frame naming it is on its stack (parts overlap:
# the waits on PostgreSQL happen inside the statements of the booking, for instance).
PARTS = {
    "authentication": "_load_caller",
    "request validation (flask-openapi3)": "_validate_request",
    "booking service": "book_appointment (miniapp_api",
    "booking: the write statement": "_write_appointment",
    "commit": "Session.commit",
    "RQ enqueue after commit": "_enqueue_pending",
    "SQL compilation": "_compile_w_cache",
    "ORM mapper configuration": "_configure_registries",
    "answer rendering": "_appointment_out",
    "request log line": "_log_response",
    "waiting in psycopg (database or GIL)": "Connection.wait (psycopg",
}


def aggregate(raw_files: list[Path], top: int) -> dict:
    parts: Counter = Counter()
    inclusive: Counter = Counter()
    own: Counter = Counter()
    busy = 0
    for raw in raw_files:
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if not frames or any(marker in frames[-1] for marker in IDLE):
                continue
            n = int(count)
            busy += n
            for frame in set(frames):
                inclusive[frame] += n
            own[frames[-1]] += n
            stack_text = ";".join(frames)
            for part, marker in PARTS.items():
                if marker in stack_text:
                    parts[part] += n
    share = lambda n: round(n / busy, 3) if busy else 0.0  # noqa: E731
    return {"busy_samples": busy, "parts": {part: share(parts[part]) for part in PARTS},
            "inclusive": [[frame, share(n)] for frame, n in inclusive.most_common(top)],
            "self": [[frame, share(n)] for frame, n in own.most_common(top)]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figure", choices=["booking", "me"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    from bench import booking
    from miniapp_api.platform.clock import utcnow

    with bench_database("banshi_bench_profile") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        per_client = int(args.seconds * 60) + 10
        setup = booking.prepare(env, utcnow(), 10 + (args.clients + 1) * per_client)
        setup["citizens_per_client"] = per_client
        if args.figure == "booking":
            request_for = booking.booking_requests(setup, args.clients)
        else:
            from bench.harness import get
            request_for = get("/api/v1/me", {"Authorization": "Bearer bs_bench1"})
        with gunicorn("miniapp_api:create_app()", env) as port:
            load(port, request_for, clients=args.clients, seconds=1)
            folder = Path(tempfile.mkdtemp(prefix="banshi-profile-"))
            raws = []
            recorders = []
            for pid in worker_pids(port):
                raw = folder / f"{pid}.txt"
                raws.append(raw)
                recorders.append(subprocess.Popen(
                    [py_spy, "record", "--pid", str(pid), "--duration", str(int(args.seconds)), "--rate", "200",
                     "--format", "raw", "--nonblocking", "--output", str(raw)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            result: dict = {}
            loader = threading.Thread(target=lambda: result.update(
                load(port, request_for, clients=args.clients, seconds=args.seconds)))
            loader.start()
            for recorder in recorders:
                recorder.wait()
            loader.join()
    emit({"profile": args.figure, "load": result, **aggregate([raw for raw in raws if raw.exists()], args.top)})


if __name__ == "__main__":
    main()
