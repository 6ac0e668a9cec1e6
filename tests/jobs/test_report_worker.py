"""A report larger than the direct limit, built by a real RQ worker on the test's clock: progress recorded, the file in
the store, the link downloads for its maker only, works 24 hours, then answers 410 and the sweep removes the file;
the job run twice builds once."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from rq import Queue
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.queues import redis_store
from miniapp_api.ratings.models import Rating
from miniapp_api.reports import services as reports
from miniapp_api.reports.models import ReportExport
from tests.console.conftest import ConsoleUser
from tests.factories import CentreFactory, ItemFactory, WindowFactory, make_staff
from tests.workers import run_worker

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def export_id(session) -> int:
    return session.scalars(select(ReportExport.id)).one()


def signed_in(app, staff) -> ConsoleUser:
    user = ConsoleUser(app)
    assert user.log_in(staff).status_code == 303
    return user


def test_a_large_export_is_built_by_a_real_worker_and_its_link_lapses(app, committed_db, process_env, monkeypatch,
                                                                      wechat):
    session = committed_db.session
    centre, away = CentreFactory(name="东昌府区政务服务中心"), CentreFactory(name="茌平区政务服务中心")
    item = ItemFactory()
    WindowFactory(centre_id=centre.id, items=[item])
    citizen = Citizen(openid="o-report-worker")
    session.add(citizen)
    session.flush()
    for n, (where, level) in enumerate([(centre, 5), (centre, 4), (centre, 1), (centre, 3), (centre, 5), (away, 1),
                                        (away, 2)]):
        session.add(Rating(citizen_id=citizen.id, target_type="application", target_id=7000 + n, level=level,
                           centre_id=where.id, item_id=item.id, created_at=NOW - timedelta(hours=n), tags=[],
                           invalidation={}))
    supervisor = make_staff(session, [centre], ("supervisor",))
    colleague = make_staff(session, [centre], ("centre_manager",))
    session.commit()
    own_ids = set(session.scalars(select(Rating.id).where(Rating.centre_id == centre.id)))
    monkeypatch.setitem(app.config, "REPORT_DIRECT_ROWS", 3)

    with time_machine.travel(NOW, tick=False):
        user = signed_in(app, supervisor)
        asked = user.post("/console/reports", {"kind": "ratings", "date_from": "2026-11-23", "date_to": "2026-11-23"})
        assert asked.status_code == 303
        waiting = user.get(asked.headers["Location"]).get_data(as_text=True)
        assert user.get(f"/console/reports/{export_id(session)}/progress").get_json() == {
            "status": "queued", "rows_done": 0, "rows_total": 5, "finished": False}
    assert "report.js" in waiting and "排队中" in waiting
    export = session.scalars(select(ReportExport)).one()
    assert (export.status, export.rows_total, export.rows_done, export.centre_ids) == ("queued", 5, 0, [centre.id])
    assert Queue("default", connection=redis_store.client).count == 1      # enqueued once the request committed

    run_worker(process_env, at=NOW)
    session.expire_all()
    export = session.get(ReportExport, export.id)
    assert (export.status, export.rows_done, export.rows_total) == ("done", 5, 5)
    assert export.expires_at - export.finished_at == timedelta(hours=24)
    made = export.finished_at
    storage = app.extensions["banshi.storage"]
    assert storage.exists(reports.storage_key(export.id))

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        page = user.get(f"/console/reports/{export.id}").get_data(as_text=True)
        assert "report.js" not in page and "已写入 <span id=\"rows-done\">5</span> / 5 条" in page
        link = re.search(r'id="download" href="([^"]+)"', page).group(1)
        downloaded = user.get(link)
        intruder = signed_in(app, colleague)
        assert intruder.get(f"/console/reports/{export.id}").status_code == 404
        assert intruder.get(f"/console/reports/{export.id}/progress").status_code == 404
        assert user.get(f"/console/reports/{export.id}/progress").get_json()["finished"] is True
        assert intruder.get(link).status_code == 404
        assert user.get(link.replace("/file/", "/file/x")).status_code == 404
    assert downloaded.status_code == 200 and downloaded.mimetype == reports.XLSX
    book = load_workbook(io.BytesIO(downloaded.data), read_only=True)
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == own_ids
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row}
    assert summary["生成人"] == "督办人员" and summary["明细条数"] == 5

    # The same job again (a retry after a lost acknowledgement): the made report stands as it was.
    Queue("default", connection=redis_store.client).enqueue(reports.BUILD_JOB, export.id)
    run_worker(process_env, at=NOW + timedelta(minutes=5))
    session.expire_all()
    assert session.get(ReportExport, export.id).finished_at == made

    with time_machine.travel(NOW + timedelta(hours=24, minutes=1), tick=False):
        again = signed_in(app, supervisor)          # the console session itself ends after 12 hours
        lapsed = again.get(link)
        shown = again.get(f"/console/reports/{export.id}").get_data(as_text=True)
    assert lapsed.status_code == 410 and "下载链接已过期" in lapsed.get_data(as_text=True)
    assert "下载链接已过期" in shown and 'id="download"' not in shown
    assert storage.exists(reports.storage_key(export.id))     # until the sweep

    Queue("sweeps", connection=redis_store.client).enqueue("miniapp_api.reports.jobs.sweep_reports")
    run_worker(process_env, at=NOW + timedelta(hours=25))
    session.expire_all()
    swept = session.get(ReportExport, export.id)
    assert (swept.status, swept.storage_key) == ("expired", None)
    assert not storage.exists(reports.storage_key(export.id))
    actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("report.%"))).all()
    assert sorted(actions) == ["report.download", "report.export"]


def test_an_export_whose_job_was_lost_is_queued_again_by_the_sweep_and_built(app, committed_db, process_env):
    """Redis away at the request's commit: the export stays queued with no job; the hourly sweep queues it again."""
    session = committed_db.session
    centre = CentreFactory()
    supervisor = make_staff(session, [centre], ("supervisor",))
    session.flush()
    lost = ReportExport(staff_id=supervisor.id, made_by="督办人员", kind="feedback", centre_ids=[centre.id],
                        date_from=NOW.date(), date_to=NOW.date(), status="queued", rows_total=0, rows_done=0,
                        created_at=NOW - timedelta(minutes=20))
    fresh = ReportExport(staff_id=supervisor.id, made_by="督办人员", kind="feedback", centre_ids=[centre.id],
                         date_from=NOW.date(), date_to=NOW.date(), status="queued", rows_total=0, rows_done=0,
                         created_at=NOW - timedelta(minutes=2))
    session.add_all([lost, fresh])
    session.commit()
    assert Queue("default", connection=redis_store.client).count == 0
    Queue("sweeps", connection=redis_store.client).enqueue("miniapp_api.reports.jobs.sweep_reports")
    run_worker(process_env, at=NOW)          # the sweep queues the lost one; the same burst builds it
    session.expire_all()
    assert session.get(ReportExport, lost.id).status == "done"
    assert session.get(ReportExport, fresh.id).status == "queued"    # its job may still be on its way
