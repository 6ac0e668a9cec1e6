"""Browser tests: Debian's Chromium driven by Playwright (never `playwright install`), the app on a real
port, axe-core in the page, screenshots as test artifacts. Imported by tests/conftest.py."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (./test installs Debian's chromium package)")
        pytest.skip("no Chromium on this machine: ./test installs it when run as root on Debian")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a real port in this process (threaded), so the browser talks HTTP to it."""

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def artifacts():
    """Screenshots land here (CI keeps the folder as the test artifacts)."""
    folder = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_accessible(page, name: str) -> None:
    """axe-core in the page: no serious or critical violations."""

    violations = Axe().run(page).response["violations"]
    severe = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
              if v["impact"] in ("serious", "critical")]
    assert severe == [], f"{name}: {severe}"
