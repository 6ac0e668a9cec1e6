"""Checking in and taking a walk-in number only at the hall, where the centre asks for it: the call screen's
rotating code, or a location within the centre's radius."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update

from miniapp_api.appointments import presence, queue
from miniapp_api.appointments.presence import Presence
from miniapp_api.centres.models import Centre
from miniapp_api.platform.errors import DomainError
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.test_booking import book
from tests.factories import make_staff

KEY = b"k" * 32
NINE = MONDAY_8AM + timedelta(hours=1)


def test_a_code_lasts_its_five_minutes_and_the_next_five_and_only_at_its_centre(hall):
    hall.centre.presence_check = True
    code = presence.hall_code(KEY, hall.centre.id, NINE)
    presence.require_presence(KEY, hall.centre, Presence(token=code), NINE + timedelta(minutes=4))
    presence.require_presence(KEY, hall.centre, Presence(token=code), NINE + timedelta(minutes=9))
    for token in (presence.hall_code(KEY, hall.centre.id + 1, NINE),               # another hall's screen
                  presence.hall_code(b"x" * 32, hall.centre.id, NINE),              # forged without the key
                  code[:-1] + ("0" if code[-1] != "0" else "1"), "", None):
        with pytest.raises(DomainError) as refused:
            presence.require_presence(KEY, hall.centre, Presence(token=token), NINE)
        assert refused.value.code == "presence_required" and refused.value.status == 403
    with pytest.raises(DomainError):                                              # a photo of the screen, 15 min on
        presence.require_presence(KEY, hall.centre, Presence(token=code), NINE + timedelta(minutes=15))


def test_a_location_counts_only_within_the_radius_the_centre_set(hall):
    hall.centre.presence_check = True
    near = Presence(lat=hall.centre.latitude + 0.001, lng=hall.centre.longitude)      # ~110 m north
    with pytest.raises(DomainError) as refused:                                       # no radius: scanning only
        presence.require_presence(KEY, hall.centre, near, NINE)
    assert refused.value.message == "请在服务大厅扫描叫号屏上的二维码签到取号"
    hall.centre.checkin_radius_m = 200
    presence.require_presence(KEY, hall.centre, near, NINE)
    far = Presence(lat=hall.centre.latitude + 0.01, lng=hall.centre.longitude)        # ~1.1 km
    with pytest.raises(DomainError) as refused:
        presence.require_presence(KEY, hall.centre, far, NINE)
    assert "或在大厅附近打开定位" in refused.value.message


def test_over_http_check_in_and_walk_in_need_the_screen_code(app, client, db_session, hall, verified_login):
    with time_machine.travel(MONDAY_8AM, tick=False):
        headers = verified_login("周大娘")
        slot = hall.slot(db_session, hall.general, "2026-11-23 09:00")
        booked = client.post("/api/v1/appointments", headers=headers,
                             json={"slot_id": slot.id, "item_codes": [hall.quick.code]}).get_json()
        db_session.execute(update(Centre).where(Centre.id == hall.centre.id).values(presence_check=True))
        db_session.commit()
    with time_machine.travel(NINE - timedelta(minutes=10), tick=False):
        url = f"/api/v1/appointments/{booked['id']}/check-in"
        from_home = client.post(url, headers=headers)
        assert from_home.status_code == 403 and from_home.get_json()["error"]["code"] == "presence_required"
        code = presence.hall_code(app.config["PRESENCE_KEY"], hall.centre.id, NINE - timedelta(minutes=10))
        at_hall = client.post(url, headers=headers, query_string={"token": code})
        assert at_hall.status_code == 200 and at_hall.get_json()["number"].startswith("B")
        walk_in = f"/api/v1/centres/{hall.centre.id}/tickets"
        refused = client.post(walk_in, headers=headers, json={"item_code": hall.slow.code})
        assert refused.status_code == 403
        taken = client.post(walk_in, headers=headers, json={"item_code": hall.slow.code, "token": code})
        assert taken.status_code == 201, taken.get_json()


def test_the_call_screen_shows_the_code_in_a_qr_and_changes_it(db_session, hall, console, app):
    manager = make_staff(db_session, [hall.centre], ("window_staff",))
    hall.centre.presence_check = True
    db_session.commit()
    with time_machine.travel(NINE, tick=False):
        screen = console(manager)
        first = screen.get(f"/console/windows/{hall.general.id}/screen").get_data(as_text=True)
    with time_machine.travel(NINE + timedelta(minutes=5), tick=False):
        later = screen.get(f"/console/windows/{hall.general.id}/screen").get_data(as_text=True)
    code = presence.hall_code(app.config["PRESENCE_KEY"], hall.centre.id, NINE)
    assert f'<span id="presence-code">{code}</span>' in first and "<svg" in first
    assert code not in later and "扫码签到取号" in later


def test_check_in_without_presence_at_a_centre_that_does_not_ask(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    appointment = book(db_session, cipher, citizen, hall.slot(db_session, hall.general, "2026-11-23 09:00"),
                       [hall.quick])
    ticket = queue.check_in(db_session, citizen_id=citizen.id, appointment_id=appointment.id,
                            now=NINE - timedelta(minutes=5))
    assert ticket.status == "waiting"
