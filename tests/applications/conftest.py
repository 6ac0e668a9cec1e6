from datetime import datetime

import pytest

from miniapp_api.applications import services
from miniapp_api.applications.models import ApplicationStatus
from miniapp_api.platform.clock import SHANGHAI
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, ItemFactory, WindowFactory, id_number, make_staff

FOOD_LICENCE_MATERIALS = [
    {"name": "食品经营许可申请书", "key": True, "form": "original", "count": 1},
    {"name": "营业执照", "key": True, "form": "copy", "count": 1},
    {"name": "食品安全管理制度", "key": False, "form": "original", "count": 1},
    {"name": "从业人员健康证明", "key": False, "form": "copy", "count": 1},
]


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)


class Counter:
    """A district hall with a community centre below it, an item with a 10-working-day limit, and staff."""

    def __init__(self, session):
        self.session = session
        self.district = CentreFactory(level="district", address="开发区黄河路1号")
        self.community = CentreFactory(level="community", parent_id=self.district.id)
        self.item = ItemFactory(name="食品经营许可证（新办）测试", time_limit_working_days=10,
                                materials=FOOD_LICENCE_MATERIALS, audience="business")
        self.quick = ItemFactory(time_limit_working_days=3)
        self.window = WindowFactory(centre_id=self.district.id, items=[self.item, self.quick])
        WindowFactory(centre_id=self.community.id, items=[self.item])
        self.staff = make_staff(session, [self.district], ("window_staff",), name="王芳")
        session.flush()

    def intake(self, cipher, now: datetime, *, person: int = 1, phone: str = "13812345678", item=None,
               accept: services.Advance | None = None, centre=None, appointment_id: int | None = None):
        applicant = services.Applicant("person", "李娜", id_number=id_number(person), phone=phone)
        return services.intake(self.session, cipher, self.staff, item_code=(item or self.item).code,
                               centre_id=(centre or self.district).id, applicant=applicant, now=now,
                               accept=accept, appointment_id=appointment_id)

    def advance(self, application, to: str, now: datetime, **extra):
        services.advance(self.session, self.staff, application, services.Advance(ApplicationStatus(to), **extra),
                         now)


@pytest.fixture
def counter(db_session):
    return Counter(db_session)


@pytest.fixture
def now():
    return MONDAY_8AM
