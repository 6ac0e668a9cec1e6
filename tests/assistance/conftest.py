from datetime import datetime

import pytest

from miniapp_api.assistance import services
from miniapp_api.platform.clock import SHANGHAI
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, make_staff


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)


class Desk:
    """A hall with a 帮办 team: a manager and two helpers; a verified citizen who asks; a stranger centre's staff."""

    def __init__(self, session, cipher):
        self.hall = build_hall(session, MONDAY_8AM)
        self.centre = self.hall.centre
        self.manager = make_staff(session, [self.centre], ("centre_manager",), name="钱主任")
        self.helper = make_staff(session, [self.centre], ("window_staff",), name="赵帮办")
        self.second = make_staff(session, [self.centre], ("window_staff",), name="孙帮办")
        other = build_hall(session, MONDAY_8AM).centre
        self.outsider = make_staff(session, [other], ("centre_manager",), name="李外")
        self.citizen = citizen_with_identity(session, cipher, 301, name="周敏")
        self.session, self.cipher = session, cipher
        session.flush()

    def ask(self, now=MONDAY_8AM, **values):
        data = services.AskIn(**({"centre_id": self.centre.id, "item_code": self.hall.quick.code} | values))
        return services.ask_for_help(self.session, self.citizen, data, "pass", now)


@pytest.fixture
def desk(db_session, cipher):
    return Desk(db_session, cipher)
