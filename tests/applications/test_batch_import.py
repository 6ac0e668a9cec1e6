"""批量办理 from a member list: the whole list checked first (errors by row and column, nothing created), members
created a chunk per transaction (the progress the console shows), resumable, moved together, certificates
issued for every member, and one completion message to the business's agent."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from openpyxl import Workbook
from sqlalchemy import func, select

from miniapp_api.applications import batches, messages
from miniapp_api.applications.member_lists import (MAX_COLUMNS, MAX_MEMBERS, MAX_ROWS, MAX_UNZIPPED_BYTES,
                                                   MemberListInvalid, parse)
from miniapp_api.applications.models import Application, ApplicationBatch
from miniapp_api.certificates.models import Certificate
from miniapp_api.notifications.models import Notification
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI
from tests.factories import credit_code, id_number, operator_review_hall

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
OPERATORS = 140


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def operators(count: int = OPERATORS) -> bytes:
    return xlsx([["姓名", "身份证号", "手机号"], *[[f"作业人员{n:03d}", id_number(3000 + n), f"139{n:08d}"]
                                              for n in range(count)]])


def with_sheet_xml(data: bytes, rewrite: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML rewritten: what a crafted file looks like."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as crafted:
        for part in source.infolist():
            body = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = rewrite(body.decode()).encode()
            crafted.writestr(part.filename, body)
    return out.getvalue()


def declaring(dimension: str | None, *, last_row: int | None = None, column: str = "XFD") -> Callable[[str], str]:
    """Sets (or, with None, drops) the declared dimension; puts one stray cell in `column` of `last_row`."""
    def rewrite(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>' if dimension else "", xml)
        if last_row:
            stray = f'<row r="{last_row}"><c r="{column}{last_row}"><v>1</v></c></row>'
            xml = xml.replace("</sheetData>", stray + "</sheetData>")
        return xml
    return rewrite


def parse_measured(name: str, data: bytes) -> tuple[list | MemberListInvalid, int]:
    """What parsing the list answers, and the most memory (bytes) it held at once on the way."""
    tracemalloc.start()
    try:
        outcome = parse(name, data, "person")
    except MemberListInvalid as refused:
        outcome = refused
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


TOO_LARGE = messages.MEMBER_LIST_SHEET_TOO_LARGE.format(rows=MAX_ROWS, columns=MAX_COLUMNS)
MB = 1024 * 1024


def test_a_valid_list_of_140_operators_reads_whole():
    members = parse("名单.xlsx", operators(), "person")
    assert len(members) == OPERATORS and members[0].name == "作业人员000" and members[0].id_number == id_number(3000)
    assert members[5].phone == "13900000005"


def test_every_bad_cell_is_reported_by_row_and_column_in_csv_and_xlsx():
    rows = [["姓名", "身份证号", "手机号"], ["张三", id_number(1), ""], ["", id_number(2), ""],
            ["李四", "370101199001011234", ""], ["王五", id_number(1), ""], ["赵六", id_number(5), "12345"]]
    for name, data in (("a.csv", "\n".join(",".join(r) for r in rows).encode("utf-8-sig")), ("a.xlsx", xlsx(rows))):
        with pytest.raises(MemberListInvalid) as refused:
            parse(name, data, "person")
        assert [(p.row, p.column) for p in refused.value.problems] == [
            (3, "姓名"), (4, "身份证号"), (5, "身份证号"), (6, "手机号")], name
        assert refused.value.problems[2].message == "“身份证号”与第2行重复"
    with pytest.raises(MemberListInvalid) as missing:
        parse("b.csv", "分支机构名称,信用代码\n一分店,x\n".encode(), "business")
    assert [(p.row, p.column) for p in missing.value.problems] == [(1, "统一社会信用代码")]
    with pytest.raises(MemberListInvalid) as junk:
        parse("c.xlsx", b"PK\x03\x04 not a workbook", "person")
    assert "无法读取" in junk.value.message
    branches = parse("d.csv", f"分支机构名称,统一社会信用代码\n一分店,{credit_code(1)}\n二分店,{credit_code(2)}\n".encode(),
                     "business")
    assert [(b.kind, b.credit_code) for b in branches] == [("business", credit_code(1)), ("business", credit_code(2))]


def test_a_tiny_xlsx_declaring_a_whole_sheet_is_refused_before_any_row_is_built():
    """The attack: 5 KB declaring A1:XFD1048576 with its last row filled, which had openpyxl pad a million rows to
    16,384 columns each until the host ran out of memory."""
    crafted = with_sheet_xml(operators(3), declaring("A1:XFD1048576", last_row=1048576))
    assert len(crafted) < 10_000
    refused, peak = parse_measured("名单.xlsx", crafted)
    assert isinstance(refused, MemberListInvalid) and refused.message == TOO_LARGE
    assert peak < 2 * MB
    bomb = io.BytesIO(operators(3))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as padded:       # 20 MB of zeros in about 20 KB
        padded.writestr("xl/media/image1.bin", bytes(MAX_UNZIPPED_BYTES))
    refused, peak = parse_measured("名单.xlsx", bomb.getvalue())
    assert isinstance(refused, MemberListInvalid) and refused.message == TOO_LARGE
    assert peak < 2 * MB


def test_the_declared_dimension_sizes_nothing_and_content_past_the_caps_is_refused_not_dropped():
    # No dimension at all and a stray cell a million rows down: read no further than the caps, the list is whole.
    members, peak = parse_measured("名单.xlsx", with_sheet_xml(operators(3), declaring(None, last_row=1048576)))
    assert isinstance(members, list) and [m.name for m in members] == ["作业人员000", "作业人员001", "作业人员002"]
    assert peak < 4 * MB
    # Content just past a cap would be lost: refused, whether or not the dimension admits it.
    past_columns = xlsx([["姓名", "身份证号", *[""] * (MAX_COLUMNS - 2), "备注"], ["张三", id_number(1)]])
    past_rows = with_sheet_xml(operators(1), declaring(None, last_row=MAX_ROWS + 1, column="A"))
    at_the_caps = xlsx([["姓名", "身份证号", *[""] * (MAX_COLUMNS - 3), "备注"], ["张三", id_number(1)]])
    for data in (past_columns, past_rows):
        with pytest.raises(MemberListInvalid) as refused:
            parse("名单.xlsx", data, "person")
        assert refused.value.message == TOO_LARGE
    assert [m.name for m in parse("名单.xlsx", at_the_caps, "person")] == ["张三"]
    # The same caps bound a CSV; a full list of the most members is read in a little memory.
    wide_csv = ("姓名,身份证号" + "," * MAX_COLUMNS + "备注\n").encode()
    with pytest.raises(MemberListInvalid) as refused:
        parse("名单.csv", wide_csv, "person")
    assert refused.value.message == TOO_LARGE
    most, peak = parse_measured("名单.xlsx", operators(MAX_MEMBERS))
    assert isinstance(most, list) and len(most) == MAX_MEMBERS and peak < 4 * MB
    one_more, _ = parse_measured("名单.xlsx", operators(MAX_MEMBERS + 1))
    assert isinstance(one_more, MemberListInvalid)
    assert one_more.message == messages.MEMBER_LIST_TOO_LONG.format(max=MAX_MEMBERS)


@pytest.fixture
def hall(db_session):
    return operator_review_hall(db_session)


def test_140_operators_from_an_xlsx_created_in_chunks_renewed_together_with_one_message_to_the_agent(
        app, db_session, console, hall):
    cipher = app.extensions["banshi.cipher"]
    desk = console(hall["clerk"])
    form = {"centre_id": str(hall["centre"].id), "item_code": hall["item"].code, "title": "2026年叉车司机复审",
            "business_name": hall["company"].name, "credit_code": hall["company"].credit_code, "member_kind": "person"}
    bad = operators(3)[:-10]
    refused = desk.client.post("/console/batches/new", data={**form, "csrf_token": desk.csrf(),
                                                             "members": (io.BytesIO(bad), "名单.xlsx")},
                               content_type="multipart/form-data")
    assert refused.status_code == 422 and "无法读取" in refused.get_data(as_text=True)
    crafted = with_sheet_xml(operators(3), declaring("A1:XFD1048576", last_row=1048576))
    refused = desk.client.post("/console/batches/new", data={**form, "csrf_token": desk.csrf(),
                                                             "members": (io.BytesIO(crafted), "名单.xlsx")},
                               content_type="multipart/form-data")
    assert refused.status_code == 422 and "最多读取前 5000 行、50 列" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(ApplicationBatch)) == 0

    created = desk.client.post("/console/batches/new", data={**form, "csrf_token": desk.csrf(),
                                                             "members": (io.BytesIO(operators()), "名单.xlsx")},
                               content_type="multipart/form-data")
    assert created.status_code == 303, created.get_data(as_text=True)
    batch = db_session.scalars(select(ApplicationBatch)).one()
    batch_id, reference = batch.id, batch.reference
    assert (batch.member_total, batch.members_created, batch.import_status) == (OPERATORS, 0, "queued")
    assert id_number(3000) not in (batch.members_enc or "")                  # the list waits encrypted
    assert batch.agent_citizen_id == hall["agent"].id
    page = desk.get(created.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and 'value="0" max="140"' in page

    # The worker's loop, a chunk per transaction: the page follows, and a second run adds nothing.
    assert batches.create_members_chunk(db_session, cipher, batch_id, NOW) is True
    db_session.commit()
    assert 'value="100" max="140"' in desk.get(created.headers["Location"]).get_data(as_text=True)
    assert batches.create_members_chunk(db_session, cipher, batch_id, NOW) is False
    assert batches.create_members_chunk(db_session, cipher, batch_id, NOW) is False
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Application)) == OPERATORS
    batch = db_session.get(ApplicationBatch, batch_id)
    assert batch.import_status == "done" and batch.members_enc is None

    for step in ("accepted", "in_review", "approved", "completed"):
        moved = desk.post(f"/console/batches/{reference}/advance", {"to": step})
        assert moved.status_code == 303, (step, moved.get_data(as_text=True)[:300])
    events.dispatch(db_session, events.pending_events(db_session, NOW), NOW)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == OPERATORS
    told = db_session.scalars(select(Notification).where(Notification.citizen_id == hall["agent"].id,
                                                         Notification.subject_type == "batch")).all()
    assert len(told) == 1 and "共140件已全部办结：140件准予" in told[0].body
    events.dispatch(db_session, events.pending_events(db_session, NOW), NOW)   # a repeat tells no one again
    assert db_session.scalar(select(func.count()).select_from(Notification).where(
        Notification.subject_type == "batch")) == 1
