"""我的数据 over HTTP: one's own rows only, one pending at a time, owner-only links that end after 24 hours, the
sweep, and 注销 cancelling what is pending and erasing the files."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from miniapp_api.files import services as files
from miniapp_api.mydata import export, services
from miniapp_api.mydata.models import DataExport
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import utcnow
from tests.factories import id_number
from tests.mydata.conftest import (
    LATER,
    OTHER_NAME,
    OTHER_PHONE,
    OTHER_TEXT,
    OWNER_NAME,
    OWNER_NUMBER,
    OWNER_PHONE,
    OWNER_TEXT,
    build_now,
)
from tests.test_app import assert_envelope
from tests.workers import run_worker


def ask(client, headers):
    return client.post("/api/v1/me/data-exports", headers=headers)


def exports(client, headers) -> list[dict]:
    response = client.get("/api/v1/me/data-exports", headers=headers)
    assert response.status_code == 200
    return response.get_json()["exports"]


def file_url(listed: dict, fmt: str) -> str:
    return next(f["url"] for f in listed["files"] if f["format"] == fmt)


def test_the_export_holds_the_owners_rows_and_none_of_anyone_elses(app, client, db_session, pair, verified_login):
    with time_machine.travel(LATER, tick=True):
        owner, other = pair.owner, pair.other
        # A relative of hers with the view scope (he asked, she accepted): it shows in her data, and does not
        # reach her export.
        delegate = verified_login("孙小明", id_number(63))
        invited = client.post("/api/v1/relatives", headers=delegate, json={
            "name": OWNER_NAME, "id_number": OWNER_NUMBER, "relation": "父母", "scopes": ["view"]})
        assert invited.status_code == 201, invited.get_json()
        accepted = client.post("/api/v1/relatives/accept", headers=owner.headers,
                               json={"code": invited.get_json()["invite_code"]})
        assert accepted.status_code == 200, accepted.get_json()

        asked = ask(client, owner.headers)
        assert asked.status_code == 202, asked.get_json()
        queued = asked.get_json()["export"]
        assert (queued["state"], queued["state_name"], queued["files"]) == ("queued", "排队中", [])
        again = ask(client, owner.headers)
        assert_envelope(again, 409, services.ALREADY_PENDING)
        assert "正在生成" in again.get_json()["error"]["message"]

        assert build_now(app, db_session, queued["id"])
        [done] = exports(client, owner.headers)
        assert (done["id"], done["state"], done["state_name"]) == (queued["id"], "done", "已完成")
        assert sorted(f["format"] for f in done["files"]) == ["json", "pdf"]
        assert done["counts"]["bookings"] == 1 and done["counts"]["feedback"] == 1

        got = client.get(file_url(done, "json"), headers=owner.headers)
        assert got.status_code == 200 and got.mimetype == "application/json"
        data = json.loads(got.data)
        # Her identifiers in full, decrypted into the file (and nowhere else).
        assert data["profile"]["real_name"] == OWNER_NAME
        assert data["profile"]["id_number"] == OWNER_NUMBER and data["profile"]["phone"] == OWNER_PHONE
        assert [b["id"] for b in data["bookings"]] == [owner.booking]
        assert [f["id"] for f in data["feedback"]] == [owner.feedback] and data["feedback"][0]["text"] == OWNER_TEXT
        inbox = client.get("/api/v1/messages", headers=owner.headers).get_json()["messages"]
        assert sorted(m["id"] for m in data["messages"]) == sorted(m["id"] for m in inbox)
        assert set(owner.messages) <= {m["id"] for m in data["messages"]}
        assert [(r["side"], r["other_person"], r["status"]) for r in data["relatives"]] == [
            ("acts_for_me", "孙小明", "active")]
        # The other citizen's booking, feedback and messages never appear, nor anything identifying him.
        assert other.booking not in [b["id"] for b in data["bookings"]]
        assert not set(other.messages) & {m["id"] for m in data["messages"]}
        whole = got.data.decode()
        for theirs in (OTHER_NAME, OTHER_PHONE, OTHER_TEXT, id_number(62)):
            assert theirs not in whole

        pdf = client.get(file_url(done, "pdf"), headers=owner.headers)
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "个人信息副本" in text and OWNER_TEXT in text and OTHER_TEXT not in text

        # Only hers: another account (a stranger, or her relative with the view scope) is told it does not exist,
        # and lists nothing.
        for someone in (other.headers, delegate):
            assert_envelope(client.get(file_url(done, "json"), headers=someone), 404, services.EXPORT_NOT_FOUND)
            assert exports(client, someone) == []
        forged = file_url(done, "json")[:-4] + "AAAA"
        assert_envelope(client.get(forged, headers=owner.headers), 404, services.EXPORT_NOT_FOUND)
        # A second request once the first is done is taken.
        assert ask(client, owner.headers).status_code == 202


def test_the_links_end_after_24_hours_and_the_sweep_deletes_the_files(app, client, db_session, pair):
    storage = app.extensions["banshi.storage"]
    with time_machine.travel(LATER, tick=False):
        export_id = ask(client, pair.owner.headers).get_json()["export"]["id"]
        assert build_now(app, db_session, export_id)
        [done] = exports(client, pair.owner.headers)
        row = db_session.get(DataExport, export_id)
        keys = [row.json_key, row.pdf_key]
        assert row.expires_at == LATER + timedelta(hours=24) and all(storage.exists(k) for k in keys)
        # The stray-blob sweep of uploads leaves an export's files alone (they are not content-addressed blobs).
        files.drop_stray_blobs(db_session, storage, (LATER + timedelta(days=30)).timestamp(), 0)
        assert all(storage.exists(k) for k in keys)
    with time_machine.travel(LATER + timedelta(hours=23, minutes=59), tick=False):
        assert client.get(file_url(done, "pdf"), headers=pair.owner.headers).status_code == 200
        assert services.expire_due(db_session, utcnow()) == []
    with time_machine.travel(LATER + timedelta(hours=24), tick=False):
        assert_envelope(client.get(file_url(done, "json"), headers=pair.owner.headers), 410, services.EXPORT_EXPIRED)
        due = services.expire_due(db_session, utcnow())
        db_session.commit()
        assert due == [keys]
        services.drop_files(storage, due[0])
        assert not any(storage.exists(k) for k in keys)
        [expired] = exports(client, pair.owner.headers)
        assert (expired["state"], expired["state_name"], expired["files"]) == ("expired", "已过期", [])
        assert services.expire_due(db_session, utcnow()) == []      # the sweep again: nothing more


def test_closing_the_account_cancels_the_pending_export_and_erases_the_files(app, client, db_session, pair,
                                                                             redis_client, process_env):
    storage = app.extensions["banshi.storage"]
    with time_machine.travel(LATER, tick=True):
        owner, other = pair.owner, pair.other
        first = ask(client, owner.headers).get_json()["export"]["id"]
        assert build_now(app, db_session, first)
        done = db_session.get(DataExport, first)
        keys = [done.json_key, done.pdf_key]
        pending = ask(client, owner.headers).get_json()["export"]["id"]
        theirs = ask(client, other.headers).get_json()["export"]["id"]
        assert build_now(app, db_session, theirs)
        their_keys = [db_session.get(DataExport, theirs).json_key, db_session.get(DataExport, theirs).pdf_key]

        closed = client.post("/api/v1/me/deletion", headers=owner.headers, json={"confirm": "确认注销"})
        assert closed.status_code == 200, closed.get_json()
        db_session.expire_all()
        states = dict(db_session.execute(select(DataExport.id, DataExport.state).where(
            DataExport.id.in_([first, pending, theirs]))).tuples().all())
        assert states == {first: "expired", pending: "cancelled", theirs: "done"}
        # A build that was already running when she closed the account finds it cancelled and keeps nothing.
        assert not services.claim(db_session, pending, utcnow())
        # Her files go once the request committed (the job it enqueued, by the worker); his stay.
        queued = redis_client.lrange("rq:queue:default", 0, -1)
        assert f"drop-export-files-{owner.citizen_id}".encode() in queued
        assert all(storage.exists(k) for k in keys)
    run_worker(process_env, at=LATER)
    assert not any(storage.exists(k) for k in keys)
    assert all(storage.exists(k) for k in their_keys)


def test_asking_too_often_is_refused_for_a_while(client, pair):
    with time_machine.travel(LATER, tick=True):
        answers = [ask(client, pair.owner.headers) for _ in range(4)]
        assert [a.status_code for a in answers] == [202, 409, 409, 429]
        assert answers[-1].get_json()["error"]["message"]
        assert ask(client, pair.other.headers).status_code == 202     # per account, not for everyone


def test_the_pdf_shows_the_newest_rows_of_a_long_section_and_the_json_all_of_them(app, client, db_session, pair):
    owner_id = pair.owner.citizen_id
    with time_machine.travel(LATER, tick=False):
        many = export.PDF_ROWS + 5
        earlier = LATER - timedelta(hours=1)
        db_session.add_all([Notification(citizen_id=owner_id, kind="test", title=f"第{n}条通知", body="测试",
                                         deliver_after=earlier, created_at=earlier) for n in range(many)])
        db_session.commit()
        export_id = ask(client, pair.owner.headers).get_json()["export"]["id"]
        assert build_now(app, db_session, export_id)
        [done] = exports(client, pair.owner.headers)
        data = json.loads(client.get(file_url(done, "json"), headers=pair.owner.headers).data)
        shown = done["counts"]["messages"]
        assert shown == len(data["messages"]) >= many
        pdf = client.get(file_url(done, "pdf"), headers=pair.owner.headers).data
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert f"另有 {shown - export.PDF_ROWS} 条较早的记录" in text
        assert f"第{many - 1}条通知" in text and "第0条通知" not in text     # the newest kept, the oldest left out
