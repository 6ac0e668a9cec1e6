from sqlalchemy import func, select

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.certificates.models import Certificate
from miniapp_api.demo import field_facts, seed_demo
from miniapp_api.demo.cases import DEMO_PHONE, DISTRICT, seed_cases
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from tests.console.conftest import ConsoleUser


def test_seed_loads_the_field_facts_and_is_idempotent(db_session):
    first = seed_demo(db_session)
    second = seed_demo(db_session)
    facts = field_facts()
    assert first == second
    assert db_session.scalar(select(func.count()).select_from(Centre)) == len(facts["centers"])
    assert db_session.scalar(select(func.count()).select_from(ServiceItem)) == len(facts["service_items"])
    community = db_session.scalars(select(Centre).where(Centre.name == "运河社区服务中心")).one()
    assert community.level == "community"
    assert community.parent is not None and community.parent.name == "聊城经济技术开发区政务服务中心"
    food = db_session.scalars(select(ServiceItem).where(ServiceItem.name == "食品经营许可证（新办）")).one()
    assert food.audience == "business" and food.high_frequency


def test_demo_cases_can_be_looked_up_and_are_seeded_once(client, db_session, cipher, login):
    seed_demo(db_session)
    cases = seed_cases(db_session, cipher, utcnow())
    assert seed_cases(db_session, cipher, utcnow()) is None
    db_session.commit()
    citizen = login("o-demo-visitor")
    statuses = []
    for reference in cases.references:
        found = client.post("/api/v1/applications/lookup", headers=citizen,
                            json={"reference": reference, "phone_last4": DEMO_PHONE[-4:]})
        assert found.status_code == 200
        statuses.append(found.get_json()["status"])
    assert statuses == ["accepted_pending_materials", "needs_correction", "ready_for_pickup", "completed"]
    # The completed renewal issues 李娜's electronic certificate once its completion event is dispatched.
    events.dispatch(db_session, events.pending_events(db_session, utcnow()), utcnow())
    certificate = db_session.scalars(select(Certificate)).one()
    assert certificate.type_name == "特种设备安全管理和作业人员证" and certificate.holder_name == "李娜"
    staff = client.post("/api/staff/v1/auth/login", json={"username": cases.username, "password": cases.password})
    assert staff.status_code == 200

    console = ConsoleUser(client.application)
    console.log_in(type("Demo", (), {"username": cases.username})(), password=cases.password)
    home = console.get("/console/").get_data(as_text=True)
    assert "演示负责人" in home and "1</strong> 件诉求待办" in home
    # 重点项目: three of the zone's projects, two of them with a late milestone.
    board = console.get("/console/projects").get_data(as_text=True)
    assert "新能源汽车零部件产业园项目" in board and "冷链物流中心项目" in board
    assert board.count("1 个已超期") == 2

    district = db_session.scalars(select(Centre).where(Centre.name == DISTRICT)).one()
    window = console.get(f"/console/windows/{district.windows[0].id}").get_data(as_text=True)
    assert "等候中（6 人）" in window
