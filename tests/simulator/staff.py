"""The hall's side of the citizen's browser tests: a staff member at the counter, through the staff API of the
live server (the console's own pages are walked in tests/console/)."""

from __future__ import annotations

import requests

from tests.factories import STAFF_PASSWORD


def staff_headers(base: str, staff) -> dict[str, str]:
    """A staff member signed in to the staff API of the live server."""
    token = requests.post(f"{base}/api/staff/v1/auth/login", json={"username": staff.username,
                                                                  "password": STAFF_PASSWORD}, timeout=10).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def staff_calls_the_next_person(base: str, clerk, window_id: int) -> tuple[dict[str, str], dict]:
    """The counter calls the next number (the staff API's call-next): the clerk's headers and the called ticket."""
    headers = staff_headers(base, clerk)
    called = requests.post(f"{base}/api/staff/v1/windows/{window_id}/call-next", headers=headers, timeout=10)
    assert called.status_code == 200, called.text
    return headers, called.json()["ticket"]


def staff_serves_the_called_person(base: str, headers: dict[str, str], window_id: int, ticket: dict) -> None:
    """The counter starts and finishes serving the called ticket."""
    for action in ("start", "finish"):
        response = requests.post(f"{base}/api/staff/v1/windows/{window_id}/tickets/{ticket['id']}/{action}",
                                 headers=headers, timeout=10)
        assert response.status_code == 200, response.text


def staff_serves_the_next_person(base: str, clerk, window_id: int) -> None:
    """The counter, through the staff API: call, start, finish."""
    headers, ticket = staff_calls_the_next_person(base, clerk, window_id)
    staff_serves_the_called_person(base, headers, window_id, ticket)
