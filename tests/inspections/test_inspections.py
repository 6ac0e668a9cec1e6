"""远程踏勘: an inspector offers times, staff schedule a restaurant's inspection in one, the applicant uploads the
checklist's photos, the inspector records findings and signs; a failed line sends the case back to 补正, a clean
one passes into the timeline. Two schedulers on one time: one inspection."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.certificates.signing import KeyRing, PublicKey, Verdict, canonical
from miniapp_api.citizens.models import Citizen
from miniapp_api.inspections import services as inspections
from miniapp_api.inspections.models import Inspection
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.errors import DomainError
from miniapp_api.staff.models import Staff
from tests.concurrency import run_together
from tests.factories import (
    TEST_CRYPTO_SUITE,
    CentreFactory,
    ItemFactory,
    WindowFactory,
    credit_code,
    id_number,
    make_staff,
    new_test_signing_key,
)
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
LINES = ["layout", "zoning", "pests", "cold", "health"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db_session, cipher, frozen):
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="食品经营许可证（新办）", audience="business")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(db_session, [centre], ("window_staff",), name="李窗口")
    inspector = make_staff(db_session, [centre], ("window_staff",), name="赵踏勘")
    outsider = make_staff(db_session, [CentreFactory()], ("window_staff",))
    db_session.commit()
    return dict(centre=centre, item=item, clerk=clerk, inspector=inspector, outsider=outsider)


def restaurant_case(db_session, cipher, world, citizen_id: int | None = None):
    case = applications.intake(db_session, cipher, world["clerk"], item_code=world["item"].code,
                               centre_id=world["centre"].id, now=NOW, accept=applications.Advance(S.ACCEPTED),
                               applicant=applications.Applicant("business", "老王家常菜馆", credit_code=credit_code(31),
                                                                id_number=id_number(3101)))
    case.proxy_citizen_id = citizen_id
    db_session.commit()
    return case


def test_an_inspection_from_the_calendar_through_evidence_to_a_signed_correction(
        app, client, db_session, cipher, world, staff_login, verified_login):
    applicant = verified_login("王老板", id_number(3101), openid="o-inspected")
    citizen = db_session.scalars(select(Citizen).where(Citizen.openid == "o-inspected")).one()
    case = restaurant_case(db_session, cipher, world, citizen.id)
    inspector, clerk = staff_login(world["inspector"]), staff_login(world["clerk"])
    offered = client.post("/api/staff/v1/inspector-slots", headers=inspector, json={
        "centre_id": world["centre"].id, "starts_at": "2026-11-24T14:00:00+08:00", "minutes": 30})
    assert offered.status_code == 201, offered.get_json()
    overlap = client.post("/api/staff/v1/inspector-slots", headers=inspector, json={
        "centre_id": world["centre"].id, "starts_at": "2026-11-24T14:15:00+08:00", "minutes": 30})
    assert overlap.status_code == 422
    naive = client.post("/api/staff/v1/inspector-slots", headers=inspector, json={
        "centre_id": world["centre"].id, "starts_at": "2026-11-25T14:00:00", "minutes": 30})
    assert naive.status_code == 422 and "时区" in str(naive.get_json()["error"])
    free = client.get("/api/staff/v1/inspector-slots", headers=clerk).get_json()["slots"]
    assert [s["id"] for s in free] == [offered.get_json()["id"]]

    scheduled = client.post(f"/api/staff/v1/applications/{case.reference}/inspection", headers=clerk, json={
        "slot_id": free[0]["id"], "video_link": "https://video.liaocheng.gov.cn/room/8812"})
    assert scheduled.status_code == 201, scheduled.get_json()
    assert client.get("/api/staff/v1/inspector-slots", headers=clerk).get_json()["slots"] == []
    again = client.post(f"/api/staff/v1/applications/{case.reference}/inspection", headers=clerk,
                        json={"slot_id": free[0]["id"]})
    assert again.status_code == 409

    mine = client.get(f"/api/v1/applications/{case.reference}/inspection", headers=applicant).get_json()
    assert mine["video_link"].endswith("/8812") and [line["key"] for line in mine["lines"]] == LINES
    assert mine["starts_at"] == "2026-11-24T14:00:00+08:00"
    photo = client.post("/api/v1/files", headers=applicant, content_type="multipart/form-data",
                        data={"purpose": "inspection", "file": (io.BytesIO(samples.photo_with_gps()), "k.jpg",
                                                                 "image/jpeg")}).get_json()["file"]["id"]
    clip = client.post("/api/v1/files", headers=applicant, content_type="multipart/form-data",
                       data={"purpose": "inspection", "file": (io.BytesIO(samples.video(seconds=20)), "VID_1.mp4",
                                                                "video/mp4")}).get_json()["file"]
    assert (clip["kind"], clip["seconds"]) == ("video", 20)
    added = client.post(f"/api/v1/applications/{case.reference}/inspection/evidence", headers=applicant,
                        json={"line": "pests", "file_ids": [photo, clip["id"]]})       # a photo and a short video
    assert added.status_code == 200 and added.get_json()["lines"][2]["file_ids"] == [photo, clip["id"]]
    assert client.post(f"/api/v1/applications/{case.reference}/inspection/evidence", headers=applicant,
                       json={"line": "health", "file_ids": [photo]}).status_code == 422   # no photo asked for
    inspection_id = scheduled.get_json()["id"]
    seen = client.get(f"/api/staff/v1/inspections/{inspection_id}", headers=inspector).get_json()
    assert client.get(f"/api/staff/v1/files/{seen['lines'][2]['file_ids'][0]}", headers=inspector).status_code == 200

    findings = {key: {"ok": True} for key in LINES}
    path = f"/api/staff/v1/inspections/{inspection_id}/conclusion"
    not_inspector = client.post(path, headers=clerk, json={"findings": findings, "conclusion": "pass"})
    assert not_inspector.status_code == 403
    missing = client.post(path, headers=inspector, json={"findings": {"layout": {"ok": True}}, "conclusion": "pass"})
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {
        f"findings.{key}" for key in LINES[1:]}
    findings["pests"] = {"ok": False, "note": "后门无防鼠挡板"}
    assert client.post(path, headers=inspector, json={"findings": findings, "conclusion": "pass"}).status_code == 422
    signed = client.post(path, headers=inspector, json={"findings": findings, "conclusion": "correction"})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["signed_by"] == "赵踏勘" and signed.get_json()["status"] == "concluded"
    progress = client.get(f"/api/v1/applications/{case.reference}", headers=applicant).get_json()
    assert progress["status"] == "needs_correction"
    assert [(m["name"], m["note"]) for m in progress["materials"]] == [("防蝇、防鼠、防虫设施齐全", "后门无防鼠挡板")]
    assert [e["kind"] for e in progress["timeline"]].count("inspection") == 1
    assert client.post(path, headers=inspector, json={"findings": findings, "conclusion": "correction"}
                       ).status_code == 409
    sealed = client.get(f"/api/staff/v1/inspections/{inspection_id}", headers=inspector).get_json()["seal"]
    key_id = app.extensions["banshi.keyring"].key_id
    assert sealed == {"status": "valid", "verified": True, "key_id": key_id,
                      "text": f"已签名（机构印章密钥 {key_id}），验证通过"}
    assert client.get(f"/api/v1/applications/{case.reference}/inspection", headers=applicant).get_json()["seal"] \
        == sealed
    assert db_session.get(Inspection, inspection_id).signature.startswith(
        f"{app.extensions['banshi.keyring'].signer.suite.name}:{key_id}:")


def test_a_clean_inspection_passes_into_the_timeline_and_strangers_see_nothing(
        client, db_session, cipher, world, staff_login, login):
    case = restaurant_case(db_session, cipher, world)
    slot = inspections.add_slot(db_session, world["inspector"], centre_id=world["centre"].id,
                                starts_at=NOW + timedelta(days=1), minutes=30, now=NOW)
    inspection = inspections.schedule(db_session, world["clerk"], case, slot_id=slot.id, video_link=None, now=NOW)
    db_session.commit()
    assert client.get(f"/api/staff/v1/inspections/{inspection.id}",
                      headers=staff_login(world["outsider"])).status_code == 404
    assert client.get(f"/api/v1/applications/{case.reference}/inspection", headers=login()).status_code == 404
    passed = client.post(f"/api/staff/v1/inspections/{inspection.id}/conclusion",
                         headers=staff_login(world["inspector"]),
                         json={"findings": {key: {"ok": True} for key in LINES}, "conclusion": "pass"})
    assert passed.status_code == 200
    notes = [e.public_note for e in db_session.get(Application, case.id).events if e.kind == "inspection"]
    assert notes[-1] == "远程踏勘通过（赵踏勘签署）"
    assert db_session.get(Application, case.id).status == S.ACCEPTED


def test_two_clerks_scheduling_two_cases_into_one_time_make_one_inspection(app, committed_db, connections, cipher):
    session = committed_db.session
    world = dict(centre=CentreFactory(region="开发区"), item=ItemFactory(name="食品经营许可证（新办）",
                                                                      audience="business"))
    WindowFactory(centre_id=world["centre"].id, items=[world["item"]])
    world["clerk"] = make_staff(session, [world["centre"]], ("window_staff",))
    inspector = make_staff(session, [world["centre"]], ("window_staff",))
    cases = [restaurant_case(session, cipher, world).id for _ in range(6)]
    slot = inspections.add_slot(session, inspector, centre_id=world["centre"].id, starts_at=NOW + timedelta(days=1),
                                minutes=30, now=NOW)
    session.commit()
    slot_id, clerk_id = slot.id, world["clerk"].id

    def schedule(index: int) -> str:
        with connections() as own:
            try:
                inspections.schedule(own, own.get(Staff, clerk_id), own.get(Application, cases[index]),
                                     slot_id=slot_id, video_link=None, now=NOW)
                own.commit()
                return "scheduled"
            except DomainError as refused:
                own.rollback()
                return refused.code

    results = run_together(len(cases), schedule)
    assert sorted(results) == ["scheduled"] + ["slot_taken"] * (len(cases) - 1)
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_the_inspector_schedules_and_signs_in_the_console(app, db_session, cipher, world, console):
    case = restaurant_case(db_session, cipher, world)
    desk = console(world["inspector"])
    added = desk.post("/console/inspections", {"centre_id": str(world["centre"].id), "starts_at": "2026-11-24T09:30",
                                               "minutes": "30"})
    assert added.status_code == 303
    page = desk.get(f"/console/applications/{case.reference}").get_data(as_text=True)
    assert "安排远程踏勘" in page and "2026-11-24 09:30" in page
    slot_id = page.split('name="slot_id"><option value="', 1)[1].split('"', 1)[0]
    scheduled = desk.post(f"/console/applications/{case.reference}/inspection",
                          {"slot_id": slot_id, "video_link": "https://video.liaocheng.gov.cn/room/1"})
    assert scheduled.status_code == 303
    inspection = db_session.scalars(select(Inspection)).one()
    form = {f"ok_{key}": "yes" for key in LINES} | {"ok_cold": "no", "note_cold": "冷柜温度8℃", "conclusion": "correction"}
    signed = desk.post(f"/console/inspections/{inspection.id}/conclusion", form)
    assert signed.status_code == 303
    shown = desk.get(f"/console/inspections/{inspection.id}").get_data(as_text=True)
    assert "已签署：需补正（赵踏勘）" in shown
    key_id = app.extensions["banshi.keyring"].key_id
    assert f'<dd id="inspection-seal">已签名（机构印章密钥 {key_id}），验证通过</dd>' in shown
    # The case's timeline carries the seal on the line the conclusion wrote (the return to 补正).
    case_page = desk.get(f"/console/applications/{case.reference}").get_data(as_text=True)
    assert case_page.count(f"踏勘结论签名：已签名（机构印章密钥 {key_id}），验证通过") == 1
    timeline = case_page.split('<ol class="timeline">', 1)[1]
    line = next(item for item in timeline.split("<li>") if "踏勘结论签名" in item)
    assert "需补正" in line
    # Someone edits a finding in the database: both pages now say the seal fails.
    db_session.execute(text("UPDATE inspection SET findings = jsonb_set(findings, '{cold,ok}', 'true') "
                            "WHERE id = :id"), {"id": inspection.id})
    db_session.commit()
    failed = "签名验证失败：记录与签署时不一致，或不是本机构的密钥所签，请勿采信"
    assert f'<dd id="inspection-seal" class="late">{failed}</dd>' in desk.get(
        f"/console/inspections/{inspection.id}").get_data(as_text=True)
    assert f"踏勘结论签名：{failed}" in desk.get(f"/console/applications/{case.reference}").get_data(as_text=True)
    db_session.expire_all()
    fixed = db_session.get(Application, case.id)
    assert fixed.status == S.NEEDS_CORRECTION
    assert [(m.name, m.note) for m in fixed.materials] == [("冷藏冷冻设备运转正常、温度达标", "冷柜温度8℃")]


def concluded(app, db_session, cipher, world, *, conclusion: str = "pass") -> Inspection:
    case = restaurant_case(db_session, cipher, world)
    slot = inspections.add_slot(db_session, world["inspector"], centre_id=world["centre"].id,
                                starts_at=NOW + timedelta(days=1), minutes=30, now=NOW)
    inspection = inspections.schedule(db_session, world["clerk"], case, slot_id=slot.id, video_link=None, now=NOW)
    findings = {key: inspections.Finding(True) for key in LINES}
    if conclusion == "correction":
        findings["cold"] = inspections.Finding(False, "冷柜温度8℃")
    inspections.conclude(db_session, app.extensions["banshi.keyring"], world["inspector"], inspection, findings, conclusion,
                         NOW + timedelta(days=1))
    db_session.commit()
    return inspection


def reread(db_session, inspection_id: int) -> Inspection:
    db_session.expire_all()
    return db_session.get(Inspection, inspection_id)


@pytest.mark.parametrize("change", [
    "findings = jsonb_set(findings, '{cold,ok}', 'true')",                       # a finding's result
    "findings = jsonb_set(findings, '{cold,note}', '\"温度正常\"')",              # a finding's note
    "checklist = jsonb_set(checklist, '{0,text}', '\"别的检查项\"')",            # what a line said
    "conclusion = 'pass', findings = jsonb_set(findings, '{cold,ok}', 'true')",  # the conclusion
    "signed_by = '钱冒名'",                                                       # the inspector's name
    "inspector_staff_id = (SELECT id FROM staff WHERE display_name = '李窗口')",  # the inspector
    "signed_at = signed_at + interval '1 second'",                               # the time
    "application_id = (SELECT id FROM application WHERE id <> inspection.application_id LIMIT 1)",   # the case
])
def test_a_conclusion_changed_in_the_database_fails_its_seal(app, db_session, cipher, world, change):
    inspection = concluded(app, db_session, cipher, world, conclusion="correction")
    restaurant_case(db_session, cipher, world)          # another case, for moving the conclusion onto it
    seal = inspections.seal_of(app.extensions["banshi.keyring"], reread(db_session, inspection.id))
    assert seal.verified and seal.key_id == app.extensions["banshi.keyring"].key_id
    db_session.execute(text(f"UPDATE inspection SET {change} WHERE id = :id"), {"id": inspection.id})
    db_session.commit()
    failed = inspections.seal_of(app.extensions["banshi.keyring"], reread(db_session, inspection.id))
    assert failed.verdict is Verdict.INVALID and not failed.verified and failed.text.startswith("签名验证失败")


def test_an_unkeyed_digest_recomputed_by_anyone_no_longer_passes(app, db_session, cipher, world):
    """The old "signature" was a SHA-256 anyone could recompute after editing the record: neither it nor a
    digest dressed up as a seal verifies."""
    inspection = concluded(app, db_session, cipher, world)
    payload = inspections.signed_payload(inspection)
    digest = hashlib.sha256(canonical(payload)).digest()
    key_id = app.extensions["banshi.keyring"].key_id
    suite = app.extensions["banshi.keyring"].signer.suite.name
    for forged in (digest.hex(), f"{suite}:{key_id}:{base64.b64encode(digest).decode()}",
                   f"{suite}:{key_id}:{base64.b64encode(digest * 2).decode()}", "", f"{suite}:{key_id}:"):
        db_session.execute(text("UPDATE inspection SET signature = :s WHERE id = :id"),
                           {"s": forged, "id": inspection.id})
        db_session.commit()
        assert inspections.seal_of(app.extensions["banshi.keyring"], reread(db_session, inspection.id)).verdict is Verdict.INVALID, forged


def test_a_conclusion_sealed_before_a_rotation_still_verifies_unless_its_key_is_revoked_from_before(
        app, db_session, cipher, world, monkeypatch):
    inspection = concluded(app, db_session, cipher, world)
    old = app.extensions["banshi.keyring"]
    rotated = KeyRing.of(new_test_signing_key(), [(old.signer.public_base64(), None)], TEST_CRYPTO_SUITE)
    monkeypatch.setitem(app.extensions, "banshi.keyring", rotated)
    assert inspections.seal_of(app.extensions["banshi.keyring"], inspection) == inspections.Seal(Verdict.VALID, old.key_id)
    signed_day = (NOW + timedelta(days=1)).date()
    monkeypatch.setitem(app.extensions, "banshi.keyring", KeyRing(rotated.signer, (
        PublicKey(old.signer.suite, old.signer.public_raw, revoked_from=signed_day + timedelta(days=1)),)))
    assert inspections.seal_of(app.extensions["banshi.keyring"], inspection).verified
    monkeypatch.setitem(app.extensions, "banshi.keyring", KeyRing(rotated.signer, (
        PublicKey(old.signer.suite, old.signer.public_raw, revoked_from=signed_day),)))
    revoked = inspections.seal_of(app.extensions["banshi.keyring"], inspection)
    assert revoked.verdict is Verdict.KEY_REVOKED
    assert revoked.text == f"已签名（机构印章密钥 {old.key_id}），但该密钥已停用，签名不再有效"
