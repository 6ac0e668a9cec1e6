import pytest

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, id_number, make_staff


class Served:
    """A completed application of one citizen at a district hall, with its handler and two managers."""

    def __init__(self, session, cipher, person: int = 1):
        self.centre = CentreFactory()
        self.item = ItemFactory(name="残疾人证办理测试")
        self.window = WindowFactory(centre_id=self.centre.id, items=[self.item])
        self.handler = make_staff(session, [self.centre], ("window_staff",), name="王芳")
        self.manager = make_staff(session, [self.centre], ("centre_manager",), name="钱伟")
        self.second_manager = make_staff(session, [self.centre], ("supervisor",), name="孙涛")
        self.citizen = citizen_with_identity(session, cipher, person, name="李娜")
        self.session, self.cipher = session, cipher

    def completed_application(self, now=MONDAY_8AM, person: int = 1):
        application = applications.intake(
            self.session, self.cipher, self.handler, item_code=self.item.code, centre_id=self.centre.id,
            applicant=applications.Applicant("person", "李娜", id_number=id_number(person)), now=now,
            window_id=self.window.id, accept=applications.Advance(S.ACCEPTED))
        application.citizen_id = self.citizen.id
        for step in (S.IN_REVIEW, S.APPROVED, S.COMPLETED):
            applications.advance(self.session, self.handler, application, applications.Advance(step), now)
        return application


@pytest.fixture
def served(db_session, cipher):
    return Served(db_session, cipher)
