from sqlalchemy import func, select

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.demo import field_facts, seed_demo


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
