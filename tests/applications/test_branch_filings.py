"""分支机构批量变更 filed online by a business's agent, over HTTP: a 30-branch list read from an XLSX, one filing
with one set of shared materials, a parent case with a child per branch that staff accept, send to 补正, approve or
refuse one by one; the agent answers the 补正, sees every branch's outcome, and hears once when the last ends. Two
staff ending the last branches at the same moment complete the parent once; nobody who does not act for the
business now files or reads anything."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from openpyxl import Workbook
from sqlalchemy import func, select

from miniapp_api.applications import branches
from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, ApplicationBatch
from miniapp_api.businesses.models import BusinessLink
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.staff.models import Staff
from tests.concurrency import connections, run_together  # noqa: F401
from tests.factories import (
    CentreFactory,
    ItemFactory,
    WindowFactory,
    business_with_agent,
    citizen_with_identity,
    credit_code,
    make_staff,
)
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)     # a Monday
BRANCHES = 30
ITEM = "药品经营许可证变更（经营范围）"
S = applications.S


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def branch_list(count: int = BRANCHES) -> bytes:
    return xlsx([["分支机构名称", "统一社会信用代码"],
                 *[[f"聊城市周记大药房第{n:02d}分店", credit_code(5000 + n)] for n in range(1, count + 1)]])


def pharmacy_world(session, cipher, n: int = 700) -> dict:
    centre = CentreFactory(region="阳谷县", name="阳谷县政务服务中心")
    item = ItemFactory(name=ITEM, audience="business", time_limit_working_days=10,
                       materials=[{"name": "变更申请书", "key": True}, {"name": "营业执照", "key": True}])
    WindowFactory(centre_id=centre.id, items=[item])
    clerks = [make_staff(session, [centre], ("window_staff",), name=name) for name in ("王芳", "赵敏")]
    business, representative, agent = business_with_agent(session, cipher, n, now=NOW)
    session.commit()
    return dict(centre=centre, item=item, clerks=clerks, business=business, representative=representative,
                agent=agent)


def upload(client, headers, colour=(200, 30, 30)) -> int:
    answer = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                         data={"purpose": "material",
                               "file": (io.BytesIO(samples.photo_with_gps(colour=colour)), "a.jpg", "image/jpeg")})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["file"]["id"]


def filing_body(world, listed: list[dict], material_ids: list[int]) -> dict:
    return {"item_code": world["item"].code, "centre_id": world["centre"].id, "title": "30家门店经营范围变更",
            "branches": listed, "material_ids": material_ids}


def move(client, clerk, reference: str, *steps, **extra) -> dict:
    answer = None
    for step in steps:
        answer = client.post(f"/api/staff/v1/applications/{reference}/advance", headers=clerk,
                             json={"to": step, **extra})
        assert answer.status_code == 200, (reference, step, answer.get_json())
    return answer.get_json()


def completion_messages(session, batch_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.kind == "branch_filing_completed",
                                                           Notification.subject_id == batch_id)))


def test_thirty_branches_filed_once_each_decided_on_its_own_and_one_message_lists_every_outcome(
        app, client, db_session, login, staff_login, console, cipher, frozen):
    world = pharmacy_world(db_session, cipher)
    agent = login(world["agent"].openid)
    business_id = world["business"].id

    # The list as the chain keeps it, read whole; a bad list is answered by row and column, nothing filed.
    bad = client.post("/api/v1/branch-lists", headers=agent, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(xlsx([["分支机构名称", "统一社会信用代码"], ["一分店", "123"]])),
                                     "门店.xlsx")})
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {
        "第2行 统一社会信用代码": "“统一社会信用代码”不正确，请核对"}
    read = client.post("/api/v1/branch-lists", headers=agent, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(branch_list()), "门店.xlsx")})
    assert read.status_code == 200, read.get_json()
    listed = read.get_json()["branches"]
    assert len(listed) == BRANCHES and listed[0] == {"name": "聊城市周记大药房第01分店", "credit_code": credit_code(5001)}

    # One filing: one set of shared materials, the agent's own verified identity, 30 children waiting for 预审.
    materials = [upload(client, agent), upload(client, agent, colour=(10, 90, 200))]
    filed = client.post(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent,
                        json=filing_body(world, listed, materials))
    assert filed.status_code == 201, filed.get_json()
    parent = filed.get_json()
    assert (parent["branch_count"], parent["phase_name"], parent["counts"]) == (BRANCHES, "办理中", {"已提交": 30})
    assert sorted(parent["material_ids"]) == sorted(materials)
    children = [b["reference"] for b in parent["branches"]]
    assert len(set(children)) == BRANCHES
    batch = db_session.scalars(select(ApplicationBatch)).one()
    assert (batch.business_id, batch.agent_citizen_id, batch.created_by_staff_id) == (
        business_id, world["agent"].id, None)

    # In the console the filing is a batch of the centre: its branches, and the shared materials once.
    desk = console(world["clerks"][0])
    page = desk.get(f"/console/batches/{parent['reference']}").get_data(as_text=True)
    assert "企业经办人网上申报" in page and page.count(">材料 ") == 2 and page.count("聊城市周记大药房第") == BRANCHES
    assert desk.get(f"/console/applications/{children[0]}").status_code == 200

    # Staff act on each child as on any case: 28 approved, one refused at 预审, one sent to 补正.
    clerk, second_clerk = (staff_login(c) for c in world["clerks"])
    refused, corrected, approved = children[0], children[1], children[2:]
    move(client, clerk, refused, "rejected", public_note="该门店许可证已注销，不予变更")
    move(client, clerk, corrected, "accepted", "in_review")
    move(client, clerk, corrected, "needs_correction", corrections=[{"name": "营业执照", "note": "复印件不清晰"}])
    for number, reference in enumerate(approved):
        move(client, clerk if number % 2 else second_clerk, reference, "accepted", "in_review", "approved")
    asked = db_session.scalars(select(Notification).where(Notification.citizen_id == world["agent"].id,
                                                          Notification.kind == "application_correction")).one()
    assert "聊城市周记大药房第02分店" in asked.body and corrected in asked.body and "营业执照" in asked.body

    shown = client.get(f"/api/v1/businesses/{business_id}/branch-filings/{parent['reference']}", headers=agent)
    assert shown.get_json()["phase_name"] == "有分支机构待补正"
    assert shown.get_json()["counts"] == {"不予许可": 1, "待补正": 1, "已批准": 28}

    # The agent answers the 补正 on that branch's own case; it goes back to review and is approved.
    case = client.get(f"/api/v1/applications/{corrected}", headers=agent)
    assert case.status_code == 200, case.get_json()
    owed = [m for m in case.get_json()["materials"] if m["name"] == "营业执照"][0]
    answered = client.post(f"/api/v1/applications/{corrected}/corrections", headers=agent, json={
        "answers": [{"material_id": owed["id"], "file_ids": [upload(client, agent, colour=(1, 2, 3))]}]})
    assert answered.status_code == 200 and answered.get_json()["status"] == "in_review", answered.get_json()
    move(client, clerk, corrected, "approved")

    # Every branch ends; no message until the last one, then exactly one listing all 30.
    for reference in [refused, *approved]:
        move(client, clerk, reference, "completed")
    assert completion_messages(db_session, batch.id) == []
    move(client, second_clerk, corrected, "completed")
    again = client.post(f"/api/staff/v1/applications/{corrected}/advance", headers=clerk, json={"to": "completed"})
    assert again.status_code == 409
    done = completion_messages(db_session, batch.id)
    assert len(done) == 1 and done[0].citizen_id == world["agent"].id
    assert "29个准予、1个不予许可" in done[0].body
    assert done[0].body.count("\n") == BRANCHES and "聊城市周记大药房第01分店（" in done[0].body
    assert f"{credit_code(5001)}）：已办结（不予许可）" in done[0].body
    assert f"{credit_code(5002)}）：已办结（准予）" in done[0].body

    outcome = client.get(f"/api/v1/businesses/{business_id}/branch-filings/{parent['reference']}", headers=agent)
    body = outcome.get_json()
    assert body["phase_name"] == "已全部办结" and body["completed_at"].startswith("2026-11-23")
    assert len(body["branches"]) == BRANCHES
    assert {b["reference"]: (b["state"], b["outcome"]) for b in body["branches"]}[refused] == (
        "已办结（不予许可）", "rejected")
    assert body["counts"] == {"已办结（准予）": 29, "已办结（不予许可）": 1}
    listed_filings = client.get(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent).get_json()
    assert [(f["reference"], f["phase"], f["branch_count"]) for f in listed_filings["branch_filings"]] == [
        (parent["reference"], "completed", BRANCHES)]
    # The staff batch consumer stays silent on an online filing: still one message.
    assert db_session.scalar(select(func.count()).select_from(Notification).where(
        Notification.citizen_id == world["agent"].id, Notification.subject_type == "batch")) == 1


def test_only_someone_acting_for_the_business_now_files_or_reads_its_branch_filings(
        app, client, db_session, login, verified_login, cipher, frozen):
    world = pharmacy_world(db_session, cipher)
    other, _, other_agent = business_with_agent(db_session, cipher, 720, now=NOW)
    unverified = citizen_with_identity(db_session, cipher, 730, name="钱多", verified=False)
    db_session.add(BusinessLink(business_id=world["business"].id, citizen_id=unverified.id, role="agent",
                                source="counter", expires_at=NOW + timedelta(days=30)))
    db_session.commit()
    business_id = world["business"].id
    agent, representative = login(world["agent"].openid), login(world["representative"].openid)
    listed = [{"name": "一分店", "credit_code": credit_code(5101)}, {"name": "二分店", "credit_code": credit_code(5102)}]
    body = filing_body(world, listed, [])
    filed = client.post(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent, json=body)
    assert filed.status_code == 201, filed.get_json()
    reference, child = filed.get_json()["reference"], filed.get_json()["branches"][0]["reference"]
    # The representative acts for the business too, and sees it.
    assert client.get(f"/api/v1/businesses/{business_id}/branch-filings/{reference}",
                      headers=representative).status_code == 200

    def refused(headers, business=business_id) -> list[tuple[int, str]]:
        answers = [client.post(f"/api/v1/businesses/{business}/branch-filings", headers=headers, json=body),
                   client.get(f"/api/v1/businesses/{business}/branch-filings", headers=headers),
                   client.get(f"/api/v1/businesses/{business}/branch-filings/{reference}", headers=headers)]
        return [(a.status_code, a.get_json()["error"]["code"]) for a in answers]

    not_found = [(404, "business_not_found")] * 3
    assert refused(verified_login("孙路人")) == not_found                       # a stranger
    assert refused(login(other_agent.openid)) == not_found                       # another business's agent
    # The business's own agent typing another business's id: refused like a stranger.
    assert refused(agent, other.id) == not_found
    # An agent confirmed for the business who is not (or no longer) face-verified: the real-name check fails, and
    # such a link is not in force at all.
    assert refused(login(unverified.openid)) == not_found
    # The business's own code as a branch, a repeated branch: 422 by field, nothing filed.
    own = client.post(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent, json=filing_body(
        world, [{"name": "总店", "credit_code": world["business"].credit_code}], []))
    assert own.status_code == 422 and "branches[0].credit_code" in own.get_json()["error"]["fields"]
    twice = client.post(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent,
                        json=filing_body(world, [listed[0], listed[0]], []))
    assert twice.status_code == 422 and "branches[1].credit_code" in twice.get_json()["error"]["fields"]
    # Another business registered here, typed in as a "branch" by someone who does not act for it.
    foreign = client.post(f"/api/v1/businesses/{business_id}/branch-filings", headers=agent, json=filing_body(
        world, [listed[0], {"name": "别家公司", "credit_code": other.credit_code}], []))
    assert foreign.status_code == 422
    assert "不是它的经办人" in foreign.get_json()["error"]["fields"]["branches[1].credit_code"]
    assert db_session.scalar(select(func.count()).select_from(ApplicationBatch)) == 1

    # The representative ends the agent's link: from that moment the agent files, lists and reads nothing,
    # and the branch cases leave the agent's list.
    link = db_session.scalars(select(BusinessLink).where(BusinessLink.citizen_id == world["agent"].id)).one()
    ended = client.post(f"/api/v1/businesses/{business_id}/agents/{link.id}/end", headers=representative,
                        json={"reason": "已离职"})
    assert ended.status_code == 200, ended.get_json()
    assert refused(agent) == not_found
    assert client.get(f"/api/v1/applications/{child}", headers=agent).status_code == 404
    assert child not in [a["reference"] for a in client.get("/api/v1/applications", headers=agent).get_json()[
        "applications"]]
    assert client.get(f"/api/v1/applications/{child}", headers=representative).status_code == 200


def test_two_staff_ending_the_last_branches_at_the_same_moment_complete_the_parent_once(
        app, committed_db, connections, cipher):  # noqa: F811
    session = committed_db.session
    world = pharmacy_world(session, cipher, n=740)
    staff_ids = [c.id for c in world["clerks"]]
    batch_ids, last_pairs = [], []
    for round_ in range(4):
        batch = branches.file_branches(
            session, cipher, world["agent"], business_id=world["business"].id, item_code=world["item"].code,
            centre_id=world["centre"].id, title=f"第{round_ + 1}批门店变更", material_ids=[], now=NOW,
            branches=[branches.Branch(f"{round_}号分店{n}", credit_code(6000 + round_ * 10 + n)) for n in range(3)])
        children = list(session.scalars(select(Application).where(Application.batch_id == batch.id)
                                        .order_by(Application.id)))
        for child in children:
            for step in (S.ACCEPTED, S.IN_REVIEW, S.APPROVED):
                applications.advance(session, world["clerks"][0], child, applications.Advance(step), NOW)
        applications.advance(session, world["clerks"][0], children[0], applications.Advance(S.COMPLETED), NOW)
        batch_ids.append(batch.id)
        # Rounds 0 and 1: two staff end the two last branches at once; rounds 2 and 3: both end the same last one.
        last_pairs.append([children[1].id, children[2].id] if round_ < 2 else [children[1].id, children[1].id])
        if round_ >= 2:
            applications.advance(session, world["clerks"][0], children[2], applications.Advance(S.COMPLETED), NOW)
    session.commit()

    outcomes = []
    for ids in last_pairs:
        def complete(index: int, ids=ids) -> str:
            with connections() as own:
                application = own.scalars(select(Application).where(Application.id == ids[index])
                                          .with_for_update()).one()
                try:
                    applications.advance(own, own.get(Staff, staff_ids[index]), application,
                                         applications.Advance(S.COMPLETED), NOW)
                except applications.DomainError as refusal:
                    own.rollback()
                    return refusal.code
                own.commit()
                return "completed"

        outcomes.append(sorted(run_together(2, complete)))
    assert outcomes[:2] == [["completed", "completed"]] * 2
    assert outcomes[2:] == [["completed", "illegal_transition"]] * 2
    session.expire_all()
    for batch_id in batch_ids:
        assert session.get(ApplicationBatch, batch_id).completed_at is not None
        messages = completion_messages(session, batch_id)
        assert len(messages) == 1 and "3个准予" in messages[0].body, batch_id
