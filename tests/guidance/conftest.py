from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from miniapp_api.centres.models import Centre
from miniapp_api.demo import seed_demo
from miniapp_api.demo.guidance import guidance_data, seed_guidance
from tests.console.conftest import console  # noqa: F401  (the console pages' signed-in client)
from tests.factories import make_staff

SEEDED_AT = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


class Guide:
    """The demo catalogue and guidance, and staff of the centre owning the business items' guidance."""

    def __init__(self, session):
        seed_demo(session)
        seed_guidance(session, SEEDED_AT)
        data = guidance_data()
        centres = {c.name: c for c in session.scalars(select(Centre))}
        self.business_owner = centres[data["owners"]["business"]["centre"]]
        self.citizen_owner = centres[data["owners"]["citizen"]["centre"]]
        self.other_centre = centres["菏泽市行政审批服务局"]
        self.author = make_staff(session, [self.business_owner], ("window_staff",), name="李静")
        self.manager = make_staff(session, [self.business_owner], ("centre_manager",), name="周强")
        self.stranger = make_staff(session, [self.other_centre], ("centre_manager",), name="吴刚")
        session.commit()


@pytest.fixture
def guide(db_session):
    return Guide(db_session)
