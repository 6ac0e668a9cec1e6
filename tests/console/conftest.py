import io
import re
from datetime import timedelta

import pytest

from miniapp_api.centres.models import Centre
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.reports import services as reports
from miniapp_api.reports.models import ReportExport
from miniapp_api.staff.services import visible_centre_ids
from tests.factories import STAFF_PASSWORD, casework_world
from tests.projects.world import PLAN, key_project

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


def project_world(session, built) -> dict:
    """A key project of the home centre for the business, its lead the home manager, one milestone."""
    made = key_project(session, built["home_staff"], built["home"], built["business"], built["home_staff"],
                       milestones=PLAN[:1])
    session.commit()
    return {"project": made["project"], "milestone": made["milestones"][0]}


def made_report(app, session, staff) -> dict:
    """A report `staff` had built by a job, done and in the file store: {"report": export, "report_token": token}."""
    filters = reports.Filters("ratings", tuple(sorted(visible_centre_ids(session, staff))), today(), today())
    now = utcnow()
    export = ReportExport(staff_id=staff.id, made_by="中心负责人", kind="ratings", centre_ids=list(filters.centre_ids),
                          date_from=today(), date_to=today(), status="done", rows_total=0, rows_done=0,
                          finished_at=now, expires_at=now + timedelta(hours=reports.LINK_HOURS))
    session.add(export)
    session.flush()
    out = io.BytesIO()
    reports.write_workbook(out, session, filters, made_by="中心负责人", made_at=now,
                           cipher=app.extensions["banshi.cipher"])
    export.storage_key = reports.storage_key(export.id)
    app.extensions["banshi.storage"].delete(export.storage_key)
    app.extensions["banshi.storage"].put(export.storage_key, out.getvalue(), reports.XLSX)
    session.commit()
    return {"report": export, "report_token": reports.link_token(app.config["SECRET_KEY"], export)}


def site_world(session, built) -> dict:
    """A 代办点 under each of the two centres."""
    sites = {key: Centre(name=f"{built[centre].name}代办点", level="site", parent_id=built[centre].id,
                         region="测试区") for key, centre in (("site", "home"), ("other_site", "other"))}
    session.add_all(sites.values())
    session.flush()
    return sites


@pytest.fixture
def world(app, db_session, cipher):
    built = casework_world(db_session, cipher)
    built |= project_world(db_session, built)
    built |= site_world(db_session, built)
    return built | made_report(app, db_session, built["home_staff"])
