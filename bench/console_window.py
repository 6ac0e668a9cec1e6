"""Figure: the counter's window page with 200 people waiting vs a static Jinja page of the same size.

Both run under the same gunicorn settings and client in the same run. Target (issue 9): >= 50 %.
The subject signs in through the console's own login form (CSRF token and all) and then loads
GET /console/windows/{id} with its session cookie: staff session check, centre scope, one query
for the queue, template render.
"""

from __future__ import annotations

import http.client
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, compare, emit, environment_for_bench, get, gunicorn, timed_parser  # noqa: E402

WAITING = 200
PASSWORD = "bench-Console-2026"


def prepare(env: dict[str, str]) -> tuple[int, str]:
    """A hall whose general window has 200 tickets today and a window clerk; returns (window id, username)."""
    import os

    os.environ.update(env)
    from config import load_settings
    from miniapp_api.appointments.queue import issue_ticket
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db
    from miniapp_api.staff.services import create_staff
    from tests.factories import build_hall

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    now = utcnow()
    session = db.session  # the test factories write through it
    hall = build_hall(session, now)
    for _ in range(WAITING):
        issue_ticket(session, window=hall.general, item_id=hall.quick.id, now=now)
    create_staff(session, username="bench-clerk", display_name="王芳", password=PASSWORD,
                 roles=["window_staff"], centre_ids=[hall.centre.id])
    window_id = hall.general.id
    session.commit()
    db.session.remove()
    db.engine.dispose()
    return window_id, "bench-clerk"


def _cookie(response: http.client.HTTPResponse) -> str:
    return response.getheader("Set-Cookie", "").split(";", 1)[0]


def sign_in(port: int, username: str) -> str:
    """The console's login form, as a browser fills it; returns the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/console/login")
    response = connection.getresponse()
    page, cookie = response.read().decode(), _cookie(response)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "username": username, "password": PASSWORD, "next": ""})
    connection.request("POST", "/console/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise RuntimeError(f"console sign-in failed: {response.status}")
    return _cookie(response)


def page_size(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200 or body.count(b"<tr>") < WAITING:
        raise RuntimeError(f"window page answered {response.status} with {body.count(b'<tr>')} rows")
    return len(body)


def main() -> None:
    args = timed_parser().parse_args()
    with bench_database("banshi_bench") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        window_id, username = prepare(env)
        path = f"/console/windows/{window_id}"
        with gunicorn("miniapp_api:create_app()", env) as port:  # sign in once; the cookie is the credential
            cookie = sign_in(port, username)
            size = page_size(port, path, cookie)
        env["BENCH_PAGE_BYTES"] = str(size)
        subject, reference = compare(env, get(path, {"Cookie": cookie}), get("/page"), clients=args.clients,
                                     seconds=args.seconds)
    ratio = subject["rps"] / reference["rps"] if reference["rps"] else 0.0
    emit({"figure": "console_window", "subject": f"GET /console/windows/{{id}} with {WAITING} waiting "
          "(cookie session, centre scope, one queue query, Jinja)",
          "reference": "static Jinja page of the same size, bare Flask, same gunicorn settings",
          "page_bytes": size, "clients": args.clients, "seconds": args.seconds, "subject_result": subject,
          "reference_result": reference, "ratio": round(ratio, 3), "target_ratio": 0.5,
          "meets_target": ratio >= 0.5})


if __name__ == "__main__":
    main()
