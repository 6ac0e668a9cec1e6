import re

import pytest

from tests.factories import STAFF_PASSWORD, casework_world

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleUser:
    """A browser-like client of the console: its own cookie jar, CSRF token read from the pages."""

    def __init__(self, app):
        self.client = app.test_client()

    def csrf(self) -> str:
        return _CSRF.search(self.client.get("/console/login").get_data(as_text=True)).group(1)

    def log_in(self, staff, password: str = STAFF_PASSWORD):
        return self.client.post("/console/login", data={"csrf_token": self.csrf(), "username": staff.username,
                                                        "password": password, "next": ""})

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf()
        return self.client.post(url, data=form, **kwargs)


@pytest.fixture
def console(app, db_session, wechat):
    """Signs a staff member in on a fresh client and returns it."""
    def open_as(staff) -> ConsoleUser:
        user = ConsoleUser(app)
        response = user.log_in(staff)
        assert response.status_code == 303, response.get_data(as_text=True)
        return user
    return open_as


@pytest.fixture
def world(db_session, cipher):
    return casework_world(db_session, cipher)


# --- real browser: Debian's Chromium driven by Playwright (never `playwright install`) ------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    import os
    import shutil

    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    import os

    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (./test installs Debian's chromium package)")
        pytest.skip("no Chromium on this machine: ./test installs it when run as root on Debian")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a real port in this process (threaded), so the browser talks HTTP to it."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def artifacts():
    """Screenshots land here (CI keeps the folder as the test artifacts)."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_accessible(page, name: str) -> None:
    """axe-core in the page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    severe = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
              if v["impact"] in ("serious", "critical")]
    assert severe == [], f"{name}: {severe}"
