"""暂停服务 in the console: a refused form keeps what was typed and says why at the field; the first try without
the confirmation says how many bookings it would cancel; confirmed, it closes and lists; lifted, it reopens."""

from __future__ import annotations

import html
from datetime import timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentStatus, Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import CentreClosure
from miniapp_api.platform.clock import local, local_date, utcnow
from tests.factories import MONDAY_8AM, citizen_with_identity

FRIDAY_BEFORE = MONDAY_8AM - timedelta(days=3)   # 2026-11-20, three days before a Monday


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_closing_a_day_from_the_console(console, world, db_session, cipher):
    # The home centre opens on Mondays only: a fixed Friday puts its next Monday within the week ahead
    # whatever day the suite runs (the wall clock's weekday broke this at night-clock runs).
    with time_machine.travel(FRIDAY_BEFORE, tick=True):
        home, manager = world["home"], world["home_staff"]
        sync_slots(db_session, home.id, utcnow())
        slot = db_session.scalars(select(Slot).where(Slot.centre_id == home.id, Slot.starts_at > utcnow() + timedelta(
            days=1)).order_by(Slot.starts_at)).first()
        person = citizen_with_identity(db_session, cipher, 8101, name="钱八")
        item = slot.window.items[0]
        booked = services.book_appointment(db_session, citizen_id=person.id, person=services.person_for_self(person, cipher),
                                           slot_id=slot.id, item_codes=[item.code], now=utcnow())
        db_session.commit()
        day = local(slot.starts_at).date()
        user = console(manager)
        url = f"/console/centres/{home.id}/closures"

        # Hours the wrong way round: refused at the field, everything typed is still there, nothing changed.
        wrong = user.post(url, {"day": day.isoformat(), "reason": "配电房检修停电", "from_time": "11:00",
                                "to_time": "09:00", "confirm": "true"})
        text = page_text(wrong)
        assert wrong.status_code == 422
        assert "结束时间须晚于开始时间" in text and 'value="配电房检修停电"' in text and 'value="11:00"' in text
        assert f'value="{day.isoformat()}"' in text and 'aria-invalid="true"' in text
        # A reason too short: said at the reason.
        short = page_text(user.post(url, {"day": day.isoformat(), "reason": "停"}))
        assert 'id="e-reason"' in short

        # Not yet confirmed: how many bookings it would cancel, and nothing is done.
        preview = user.post(url, {"day": day.isoformat(), "reason": "配电房检修停电"})
        assert preview.status_code == 422
        assert "已有 1 个预约" in page_text(preview) and 'value="配电房检修停电"' in page_text(preview)
        assert db_session.scalar(select(CentreClosure).where(CentreClosure.day == day)) is None

        done = user.post(url, {"day": day.isoformat(), "reason": "配电房检修停电", "confirm": "true"},
                         follow_redirects=True)
        assert done.status_code == 200 and "取消了 1 个预约" in page_text(done)
        assert "配电房检修停电" in page_text(done) and f"{day.month}月{day.day}日" in page_text(done)
        db_session.expire_all()
        assert db_session.get(Appointment, booked.id).status == AppointmentStatus.CANCELLED
        closure = db_session.scalars(select(CentreClosure).where(CentreClosure.day == day)).one()
        assert closure.created_by == f"staff:{manager.id}" and closure.cancelled == 1

        # The public centre page says it; lifting reopens the day.
        public = user.client.get(f"/api/v1/centres/{home.id}").get_json()
        assert [c["reason"] for c in public["closures"] if c["day"] == day.isoformat()] == ["配电房检修停电"]
        lifted = user.post(f"{url}/{closure.id}/lift", follow_redirects=True)
        assert "已恢复服务" in page_text(lifted)
        db_session.expire_all()
        assert db_session.get(Slot, slot.id).closure_id is None
        assert local_date(utcnow()) <= day
