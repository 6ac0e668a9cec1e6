"""代办点 (a `site` centre under a hall): its clerk writes down a 帮办 request for someone with no account and takes
materials in for the hall; the hall's 帮办 team helps from there; the clerk can do nothing else, in the console or
the staff API; the rules on sites and their clerks hold in the database."""

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.applications.models import Application
from miniapp_api.assistance import services
from miniapp_api.assistance.models import AssistanceRequest
from miniapp_api.centres.models import Centre
from miniapp_api.citizens.services import PHONE_CONTEXT
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.models import AuditLog
from miniapp_api.staff.models import Role, Staff
from tests.factories import MONDAY_8AM, STAFF_PASSWORD, build_hall, id_number, make_staff

PHONE = "13912345678"


def a_site(session, centre, name="李庄村代办点") -> Centre:
    site = Centre(name=name, level="site", parent_id=centre.id, region="测试区", address="李庄村村委会")
    session.add(site)
    session.flush()
    return site


@pytest.fixture
def desk_world(db_session):
    hall = build_hall(db_session, MONDAY_8AM)
    site = a_site(db_session, hall.centre)
    other_hall = build_hall(db_session, MONDAY_8AM)
    other_site = a_site(db_session, other_hall.centre, "农商银行代办点")
    clerk = make_staff(db_session, [site], (Role.SITE_CLERK,), name="村代办员")
    manager = make_staff(db_session, [hall.centre], ("centre_manager",), name="钱主任")
    helper = make_staff(db_session, [hall.centre], ("window_staff",), name="赵帮办")
    db_session.commit()
    return {"hall": hall, "site": site, "other_site": other_site, "clerk": clerk, "manager": manager,
            "helper": helper}


def test_a_desk_request_goes_to_the_hall_above_with_the_contact_sealed(db_session, cipher, desk_world):
    hall, site, clerk = desk_world["hall"], desk_world["site"], desk_world["clerk"]
    taken = services.take_at_desk(db_session, cipher, clerk, services.DeskIn(
        site_id=site.id, contact_name="王德福", contact_phone=PHONE, item_code=hall.quick.code), MONDAY_8AM)
    assert (taken.centre_id, taken.site_id, taken.citizen_id, taken.taken_by_staff_id) == (
        hall.centre.id, site.id, None, clerk.id)
    assert taken.contact_phone_enc != PHONE and PHONE not in taken.contact_phone_enc
    assert cipher.decrypt(taken.contact_phone_enc, context=PHONE_CONTEXT) == PHONE
    assert str(taken.contact_due_on) == "2026-11-24"          # the hall's first-contact limit: 1 working day
    assert [e.kind for e in taken.events] == ["taken_at_site"] and taken.events[0].note == site.name
    assert db_session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "assistance.taken_at_site", AuditLog.subject_id == str(taken.id))) == 1
    # The hall's team sees it and works it; nobody's account is told anything (there is none).
    assert taken.id in [r.id for r in services.staff_requests(db_session, desk_world["manager"], mine=False)]
    services.assign(db_session, desk_world["manager"], taken.id, desk_world["helper"].id, MONDAY_8AM)
    request = services.staff_request(db_session, desk_world["helper"], taken.id, lock=True)
    services.record_contact(db_session, desk_world["helper"], request, "已电话联系王大爷", MONDAY_8AM)
    with pytest.raises(DomainError) as no_grant:
        services.ask_to_act(db_session, desk_world["helper"], request, scopes=["book"], purpose="代为预约",
                            valid_hours=24, now=MONDAY_8AM)
    assert no_grant.value.code == services.NO_ACCOUNT and "纸质委托书" in no_grant.value.message
    services.close(db_session, desk_world["helper"], request, "已帮王大爷预约并告知材料", MONDAY_8AM)
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_clerk_takes_requests_only_at_their_own_site(db_session, cipher, desk_world):
    clerk, hall = desk_world["clerk"], desk_world["hall"]
    for wrong in (desk_world["other_site"].id, hall.centre.id):   # another's site; a hall is not a site
        with pytest.raises(NotFound):
            services.take_at_desk(db_session, cipher, clerk, services.DeskIn(
                site_id=wrong, contact_name="王德福", contact_phone=PHONE, situation="想办理残疾人证"), MONDAY_8AM)
    with pytest.raises(DomainError) as nothing:
        services.take_at_desk(db_session, cipher, clerk, services.DeskIn(
            site_id=desk_world["site"].id, contact_name="王德福", contact_phone=PHONE), MONDAY_8AM)
    assert nothing.value.fields == {"situation": "请选择事项，或写下您需要帮助办理的事情"}
    assert db_session.scalar(select(func.count()).select_from(AssistanceRequest)) == 0


def test_the_database_keeps_sites_under_a_hall_and_their_clerks_to_that_role_alone(db_session, desk_world):
    db_session.add(Centre(name="无上级代办点", level="site", region="测试区"))
    with pytest.raises(IntegrityError, match="site_has_parent"):
        db_session.flush()
    db_session.rollback()
    db_session.add(Staff(username="mixed", display_name="混合", password_hash="x",
                         roles=[Role.SITE_CLERK, Role.WINDOW_STAFF]))
    with pytest.raises(IntegrityError, match="site_clerk_alone"):
        db_session.flush()
    db_session.rollback()
    site = db_session.get(Centre, desk_world["site"].id)
    for roles, centres in (([Role.SITE_CLERK, Role.WINDOW_STAFF], [site]),
                           ([Role.SITE_CLERK], [desk_world["hall"].centre]), ([Role.SITE_CLERK], [])):
        with pytest.raises(DomainError) as refused:
            make_staff(db_session, centres, tuple(roles))
        assert refused.value.fields == {"roles": "代办点工作人员只能单独担任这一角色，并且只能分到代办点"}


def test_a_site_is_no_place_to_book_or_to_send_a_request_from_the_app(client, verified_login, desk_world):
    with time_machine.travel(MONDAY_8AM, tick=True):
        centres = client.get("/api/v1/centres").get_json()
        listed = [c["id"] for c in (centres["centres"] if isinstance(centres, dict) else centres)]
        assert desk_world["hall"].centre.id in listed and desk_world["site"].id not in listed
        citizen = verified_login("周敏", id_number(402))
        asked = client.post("/api/v1/assistance", headers=citizen, json={
            "centre_id": desk_world["site"].id, "situation": "年纪大了不会在手机上预约"})
        assert asked.status_code == 422 and asked.get_json()["error"]["fields"] == {"centre_id": "所选服务中心不存在"}


def test_the_desk_in_the_console_and_the_hall_helping_from_there(console, db_session, desk_world, cipher):
    hall, site = desk_world["hall"], desk_world["site"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        clerk = console(desk_world["clerk"])
        home = clerk.get("/console/").get_data(as_text=True)
        assert site.name in home and hall.centre.name in home and "登记求助" in home and "代收材料" in home
        assert "诉求" not in home.split("<main")[0]          # the menu offers the desk only

        # A mistake answers the form with what was typed, and nothing is stored.
        bad = clerk.post("/console/site/request", {"site_id": str(site.id), "contact_name": "王德福",
                                                   "contact_phone": "1391234", "situation": "想办残疾人证"})
        text = bad.get_data(as_text=True)
        assert bad.status_code == 422 and 'value="王德福"' in text and "想办残疾人证" in text
        assert db_session.scalar(select(func.count()).select_from(AssistanceRequest)) == 0
        good = clerk.post("/console/site/request", {"site_id": str(site.id), "contact_name": "王德福",
                                                    "contact_phone": PHONE, "item_code": hall.quick.code})
        assert good.status_code == 303
        shown = clerk.get(good.headers["Location"]).get_data(as_text=True)
        assert "已登记帮办请求" in shown and "王**" in shown and PHONE not in shown

        # Materials taken in: the hall's case, no handler yet, its timeline says where.
        taken = clerk.post("/console/site/intake", {"site_id": str(site.id), "item_code": hall.quick.code,
                                                    "applicant_name": "王德福", "applicant_id_number": id_number(77),
                                                    "applicant_phone": PHONE})
        assert taken.status_code == 303, taken.get_data(as_text=True)
        case = db_session.scalars(select(Application).where(Application.site_id == site.id)).one()
        assert (case.centre_id, case.handler_staff_id, case.status) == (hall.centre.id, None, "submitted")
        assert case.events[0].public_note == f"{site.name}代收材料，转交中心办理"
        # An item the hall above does not handle is refused at its field, what was typed kept, nothing stored.
        elsewhere = build_hall(db_session, MONDAY_8AM).quick     # served by another hall only
        db_session.commit()
        refused = clerk.post("/console/site/intake", {"site_id": str(site.id), "item_code": elsewhere.code,
                                                      "applicant_name": "李秀英", "applicant_id_number": id_number(78)})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and 'value="李秀英"' in text and 'id="e-item_code"' in text
        assert db_session.scalar(select(func.count()).select_from(Application).where(
            Application.site_id == site.id)) == 1

        # Everything else in the console is not there for the clerk.
        for url in ("/console/assistance", "/console/feedback", "/console/applications", "/console/appointments",
                    f"/console/applications/{case.reference}", "/console/reports"):
            assert clerk.get(url).status_code == 404, url

        # The hall's helper sees whom to call, and no grant form (the person has no account to confirm one).
        request = db_session.scalars(select(AssistanceRequest)).one()
        services.assign(db_session, desk_world["manager"], request.id, desk_world["helper"].id, MONDAY_8AM)
        db_session.commit()
        page = console(desk_world["helper"]).get(f"/console/assistance/{request.id}").get_data(as_text=True)
        assert "王德福" in page and PHONE in page and f"由{site.name}登记" in page
        assert "申请代办授权" not in page and "纸质委托书" in page


def test_the_staff_api_is_closed_to_a_site_clerk(app, client, desk_world):
    token = client.post("/api/staff/v1/auth/login", json={"username": desk_world["clerk"].username,
                                                          "password": STAFF_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not getattr(app.view_functions[rule.endpoint], "requires_staff", False):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", "1").replace(f"<{name}>", "X")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(url, method=method, headers=headers, json={})
            assert answer.status_code == 404, (method, url, answer.status_code)
            checked += 1
    assert checked > 20


def test_only_the_person_whose_verified_id_the_desk_saw_can_claim_the_request(client, login, verified_login, db_session,
                                                                             cipher, desk_world):
    with time_machine.travel(MONDAY_8AM, tick=True):
        written = services.take_at_desk(db_session, cipher, desk_world["clerk"], services.DeskIn(
            site_id=desk_world["site"].id, contact_name="王德福", contact_phone=PHONE,
            contact_id_number=id_number(501), situation="想办残疾人证，不会用手机"), MONDAY_8AM)
        anonymous = services.take_at_desk(db_session, cipher, desk_world["clerk"], services.DeskIn(
            site_id=desk_world["site"].id, contact_name="李秀英", contact_phone=PHONE, situation="想问养老保险怎么交"),
            MONDAY_8AM)
        db_session.commit()
        # A typed ID number (an unverified account) claims nothing; another verified person finds nothing.
        typed = login()
        assert client.patch("/api/v1/me", headers=typed, json={"real_name": "王德福",
                                                               "id_number": id_number(501)}).status_code == 200
        refused = client.post("/api/v1/assistance/claim", headers=typed, json={})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "identity_unverified"
        stranger = verified_login("周敏", id_number(502))
        assert client.post("/api/v1/assistance/claim", headers=stranger, json={}).get_json() == {"claimed": []}
        # The person, face-verified with that very ID, claims it once; then it is theirs to follow.
        owner = verified_login("王德福", id_number(501))
        claimed = client.post("/api/v1/assistance/claim", headers=owner, json={})
        assert claimed.status_code == 200 and [r["id"] for r in claimed.get_json()["claimed"]] == [written.id]
        assert client.post("/api/v1/assistance/claim", headers=owner, json={}).get_json() == {"claimed": []}
        shown = client.get(f"/api/v1/assistance/{written.id}", headers=owner).get_json()
        assert [e["title"] for e in shown["timeline"]] == ["代办点代为登记", "您已在小程序找回这件求助"]
        assert client.get(f"/api/v1/assistance/{anonymous.id}", headers=owner).status_code == 404
        assert client.get(f"/api/v1/assistance/{written.id}", headers=stranger).status_code == 404
    assert db_session.get(AssistanceRequest, anonymous.id).citizen_id is None
