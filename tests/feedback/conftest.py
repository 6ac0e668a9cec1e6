from datetime import datetime

import pytest

from miniapp_api.platform.clock import SHANGHAI
from tests.factories import CentreFactory, ItemFactory, WindowFactory, make_staff


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)


class Hall:
    """A district hall under a city hall, with a handler, a centre manager and a city supervisor."""

    def __init__(self, session):
        self.city = CentreFactory(level="city")
        self.district = CentreFactory(level="district", parent_id=self.city.id)
        self.item = ItemFactory()
        self.window = WindowFactory(centre_id=self.district.id, kind="complaints", items=[self.item])
        self.handler = make_staff(session, [self.district], ("feedback_handler",), name="赵敏")
        self.manager = make_staff(session, [self.district], ("centre_manager",), name="钱伟")
        self.city_supervisor = make_staff(session, [self.city], ("supervisor",), name="孙涛")
        session.flush()


@pytest.fixture
def hall(db_session):
    return Hall(db_session)
