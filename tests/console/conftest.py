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
