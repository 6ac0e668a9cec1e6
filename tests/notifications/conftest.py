from datetime import datetime

import pytest

from miniapp_api.appointments import services as booking
from miniapp_api.notifications.services import record_consents
from miniapp_api.notifications.templates import load_templates
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.wechat import WeChatGateway
from tests.factories import build_hall, citizen_with_identity

MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)
STATUS_TEMPLATE = load_templates()["appointment_status"].template_id      # one-time
REMINDER_TEMPLATE = load_templates()["appointment_reminder"].template_id  # long-term


@pytest.fixture
def cipher(app):
    return app.extensions["banshi.cipher"]


@pytest.fixture
def gateway(settings, redis_client) -> WeChatGateway:
    return WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client)


@pytest.fixture
def subscriber(db_session, cipher, wechat):
    """A citizen known to WeChat (logged in once) who granted the given templates on both sides,
    as tapping 'accept' in wx.requestSubscribeMessage does."""
    counter = iter(range(3000, 9000))

    def make(*, status_accepts: int = 1, reminders: bool = True):
        citizen = citizen_with_identity(db_session, cipher, next(counter))
        wechat.control("POST", "login-codes")  # warm; the next line registers the openid with WeChat
        wechat.state.session_keys[citizen.openid] = "session-key"
        results = {}
        if status_accepts:
            wechat.control("POST", "consents", openid=citizen.openid, template_id=STATUS_TEMPLATE,
                           kind="one_time", count=status_accepts)
            results[STATUS_TEMPLATE] = "accept"
        if reminders:
            wechat.control("POST", "consents", openid=citizen.openid, template_id=REMINDER_TEMPLATE, kind="long_term")
            results[REMINDER_TEMPLATE] = "accept"
        if results:
            record_consents(db_session, citizen.id, results, MONDAY_8AM)
            for _ in range(status_accepts - 1):
                record_consents(db_session, citizen.id, {STATUS_TEMPLATE: "accept"}, MONDAY_8AM)
        db_session.flush()
        return citizen

    return make


@pytest.fixture
def hall(db_session):
    return build_hall(db_session, MONDAY_8AM)


@pytest.fixture
def book(db_session, cipher, hall):
    def make(citizen, local: str = "2026-11-24 09:00", now: datetime = MONDAY_8AM):
        slot = hall.slot(db_session, hall.general, local)
        return booking.book_appointment(db_session, citizen_id=citizen.id, person=booking.person_for_self(citizen, cipher),
                                        slot_id=slot.id, item_codes=[hall.quick.code], now=now)
    return make
