"""市场主体: the registry import (all rows or none, by line; idempotent on the credit code), representatives
linked to their verified accounts, agents confirmed at a counter, and nobody seeing a business they do not act for."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.businesses import services
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.licences import services as licences
from miniapp_api.platform.clock import utcnow
from tests.factories import (
    MONDAY_8AM,
    CentreFactory,
    ItemFactory,
    WindowFactory,
    business_with_agent,
    citizen_with_identity,
    credit_code,
    id_number,
    make_staff,
)
from tests.licences.test_licences import HEADER as LICENCE_HEADER
from tests.test_app import assert_envelope

HEADER = "统一社会信用代码,名称,类型,行业代码,规模,注册地址,所属区划,成立日期,法定代表人,法定代表人身份证号"


def row(n: int, *, name: str = "聊城市东昌府区某某餐饮店", kind: str = "个体工商户", representative: int = 1,
        code: str | None = None) -> str:
    return (f"{code or credit_code(n)},{name},{kind},H6210,微型,聊城市东昌府区柳园街道某路1号,371502,2024-03-15,"
            f"刘洋,{id_number(representative)}")


def csv_of(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def importer(db_session, staff_login):
    manager = make_staff(db_session, [CentreFactory()], ("centre_manager",))
    db_session.commit()
    return staff_login(manager)


def test_bad_rows_are_reported_by_line_and_nothing_is_saved(client, db_session, staff_login):
    headers = importer(db_session, staff_login)
    wrong_check = credit_code(2)[:17] + ("0" if credit_code(2)[17] != "0" else "1")
    text = csv_of(row(1), row(2, code=wrong_check), row(3, kind="公司"), row(1, name="重复"),
                  row(4).replace("H6210", "餐饮"), row(5).replace("2024-03-15", "2024-13-01"))
    error = assert_envelope(client.post("/api/staff/v1/businesses/import", headers=headers, json={"csv": text}),
                            422, "csv_invalid")
    assert error["fields"] == {"line 3": "统一社会信用代码不正确（18位，末位校验码不符）",
                               "line 4": "“类型”只能是企业或个体工商户", "line 5": "与第2行的统一社会信用代码重复",
                               "line 6": "行业代码应为国民经济行业分类（GB/T 4754）代码，如 I6510 或 H62",
                               "line 7": "成立日期格式应为YYYY-MM-DD"}
    assert "5 行有误" in error["message"]
    assert db_session.scalar(select(func.count()).select_from(Business)) == 0
    missing = assert_envelope(client.post("/api/staff/v1/businesses/import", headers=headers,
                                          json={"csv": "统一社会信用代码,名称\n"}), 422, "csv_invalid")
    assert "缺少列" in missing["fields"]["line 1"]


def test_import_twice_changes_nothing_and_links_the_verified_representative(client, db_session, staff_login,
                                                                            cipher, verified_login):
    headers = importer(db_session, staff_login)
    owner = verified_login("刘洋", id_number(1))
    stranger = verified_login("王芳")
    first = client.post("/api/staff/v1/businesses/import", headers=headers,
                        json={"csv": csv_of(row(1), row(2, name="聊城某科技有限公司", kind="企业", representative=9))})
    assert first.get_json() == {"created": 2, "updated": 0, "linked": 1}
    again = client.post("/api/staff/v1/businesses/import", headers=headers,
                        json={"csv": csv_of(row(1), row(2, name="聊城某科技有限公司", kind="企业", representative=9))})
    assert again.get_json() == {"created": 0, "updated": 2, "linked": 0}
    assert db_session.scalar(select(func.count()).select_from(BusinessLink)) == 1

    mine = client.get("/api/v1/businesses", headers=owner).get_json()["businesses"]
    assert [(b["name"], b["kind_name"], b["my_role_name"], b["linked_by"], b["representative"]) for b in mine] == [
        ("聊城市东昌府区某某餐饮店", "个体工商户", "法定代表人", "登记信息比对", "刘*")]
    assert client.get("/api/v1/businesses", headers=stranger).get_json()["businesses"] == []
    assert_envelope(client.get(f"/api/v1/businesses/{mine[0]['id']}", headers=stranger), 404, "business_not_found")
    other = db_session.scalar(select(Business.id).where(Business.credit_code == credit_code(2)))
    assert_envelope(client.get(f"/api/v1/businesses/{other}", headers=owner), 404, "business_not_found")


def test_a_new_representative_in_the_registry_replaces_the_old_link(client, db_session, staff_login, verified_login):
    headers = importer(db_session, staff_login)
    old, new = verified_login("刘洋", id_number(1)), verified_login("陈静", id_number(2))
    client.post("/api/staff/v1/businesses/import", headers=headers, json={"csv": csv_of(row(1))})
    assert len(client.get("/api/v1/businesses", headers=old).get_json()["businesses"]) == 1
    changed = client.post("/api/staff/v1/businesses/import", headers=headers,
                          json={"csv": csv_of(row(1, representative=2))}).get_json()
    assert changed == {"created": 0, "updated": 1, "linked": 1}
    assert client.get("/api/v1/businesses", headers=old).get_json()["businesses"] == []
    assert len(client.get("/api/v1/businesses", headers=new).get_json()["businesses"]) == 1


def test_a_representative_who_verifies_later_is_linked_by_the_sweep(db_session, cipher):
    staff = make_staff(db_session, [CentreFactory()], ("centre_manager",))
    services.import_csv(db_session, cipher, staff, csv_of(row(1, representative=31)), utcnow())
    assert db_session.scalar(select(func.count()).select_from(BusinessLink)) == 0
    citizen_with_identity(db_session, cipher, 31, name="刘洋")
    assert services.link_representatives(db_session, utcnow()) == 1
    assert services.link_representatives(db_session, utcnow()) == 0


def test_an_agent_is_confirmed_at_the_counter_and_sees_the_business_licences(client, db_session, staff_login,
                                                                          cipher, verified_login, login):
    centre = CentreFactory()
    clerk = make_staff(db_session, [centre], ("window_staff",))
    services.import_csv(db_session, cipher, make_staff(db_session, [centre], ("centre_manager",)),
                        csv_of(row(7, name="聊城某商贸有限公司", kind="企业", representative=70)), utcnow())
    licences.import_csv(db_session, cipher, "\n".join((
        LICENCE_HEADER, f"食品经营许可证,JY137150000000AB,企业,聊城某商贸有限公司,{credit_code(7)},,2022-01-01,"
                        f"{(utcnow() + timedelta(days=400)).date().isoformat()},")) + "\n",
        issuing_centre_id=centre.id, now=utcnow())
    db_session.commit()
    headers = staff_login(clerk)
    agent = verified_login("赵敏", id_number(71))
    body = {"credit_code": credit_code(7), "id_number": id_number(71), "name": "赵敏"}
    mismatch = assert_envelope(client.post("/api/staff/v1/businesses/agents", headers=headers,
                                           json=dict(body, name="赵明")), 422, "citizen_not_verified")
    assert mismatch["fields"] == {"name": "姓名与实名核验信息不一致"}
    assert_envelope(client.post("/api/staff/v1/businesses/agents", headers=headers,
                                json=dict(body, id_number=id_number(72))), 422, "citizen_not_verified")
    confirmed = client.post("/api/staff/v1/businesses/agents", headers=headers, json=body)
    assert confirmed.status_code == 201 and confirmed.get_json()["role_name"] == "经办人"
    # Confirming the same agent again renews the link's year (no second link).
    again = client.post("/api/staff/v1/businesses/agents", headers=headers, json=body)
    assert again.status_code == 200 and again.get_json()["renewed"] is True
    assert timedelta(days=364) < datetime.fromisoformat(again.get_json()["expires_at"]) - utcnow() <= timedelta(days=365)

    [mine] = client.get("/api/v1/businesses", headers=agent).get_json()["businesses"]
    assert (mine["my_role_name"], mine["linked_by"]) == ("经办人", "窗口核验")
    detail = client.get(f"/api/v1/businesses/{mine['id']}", headers=agent).get_json()
    assert [lic["number"] for lic in detail["licences"]] == ["JY137150000000AB"]
    # Window staff may confirm agents, not import the registry (a route beyond one's role is "not found").
    assert_envelope(client.post("/api/staff/v1/businesses/import", headers=headers, json={"csv": csv_of(row(8))}),
                    404, "not_found")


def test_the_agent_of_a_batch_sees_its_members_outcomes_on_the_business_page(client, db_session, cipher, login):
    """批量办理 filed for a business: its agent sees every member (names masked) and each one's outcome on the
    business's page; the representative and another agent of the same business see no batch they do not handle."""
    business, owner, agent = business_with_agent(db_session, cipher, 610, now=utcnow())
    other_agent = citizen_with_identity(db_session, cipher, 612, name="钱出纳")
    db_session.add(BusinessLink(business_id=business.id, citizen_id=other_agent.id, role="agent", source="counter",
                                expires_at=utcnow() + timedelta(days=30)))
    centre = CentreFactory()
    item = ItemFactory(name="特种设备作业人员证复审")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(db_session, [centre], ("window_staff",))
    batch = applications.new_batch(db_session, clerk, item=item, centre_id=centre.id, title="2026年叉车司机复审",
                                   business_name=business.name, credit_code=business.credit_code,
                                   agent_id=agent.id, now=MONDAY_8AM)
    members = [applications.add_batch_member(db_session, cipher, clerk, batch,
                                             applications.Applicant("person", name, id_number=id_number(620 + i)),
                                             MONDAY_8AM) for i, name in enumerate(("张大山", "李小河"))]
    for step in (S.ACCEPTED, S.IN_REVIEW, S.APPROVED):
        applications.advance(db_session, clerk, members[0], applications.Advance(step), MONDAY_8AM)
    applications.advance(db_session, clerk, members[0], applications.Advance(
        S.MAILED, carrier="中国邮政EMS", tracking_number="1190012345678"), MONDAY_8AM)
    # A batch of another business, with the same agent: not on this business's page.
    applications.new_batch(db_session, clerk, item=item, centre_id=centre.id, title="别家的批次",
                           business_name="别家公司", credit_code=credit_code(611), agent_id=agent.id, now=MONDAY_8AM)
    db_session.commit()

    detail = client.get(f"/api/v1/businesses/{business.id}", headers=login(agent.openid)).get_json()
    [mine] = detail["batches"]
    assert (mine["reference"], mine["title"], mine["item_name"]) == (batch.reference, "2026年叉车司机复审",
                                                                     "特种设备作业人员证复审")
    assert [(m["name"], m["status_name"]) for m in mine["members"]] == [("张**", "已邮寄"), ("李**", "已提交")]
    assert sorted((p["status_name"], p["count"]) for p in mine["progress"]) == [("已提交", 1), ("已邮寄", 1)]
    # The member's own case opens for the agent with the mailed result's carrier and tracking number.
    case = client.get(f"/api/v1/applications/{members[0].reference}", headers=login(agent.openid)).get_json()
    assert case["delivery"] == {"method": "mail", "pickup_place": None, "pickup_hours": None,
                                "carrier": "中国邮政EMS", "tracking_number": "1190012345678"}
    for someone in (owner, other_agent):
        assert client.get(f"/api/v1/businesses/{business.id}", headers=login(someone.openid)).get_json()["batches"] == []
