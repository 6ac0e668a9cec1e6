"""The waitlist's part in the fault soak (bench/soak.py): a fully booked day at a centre of its own, people in
line for it, and while the faults run (a web worker and an RQ worker SIGKILLed, Redis hung and restarted,
PostgreSQL refusing connections) holders cancel over HTTP, the people in line confirm or decline the seats
held for them, and the expiry sweep runs in the RQ workers. Afterwards:

- every slot's `booked` is its live bookings plus its held offers (the soak's drift check counts both);
- no entry holds two seats, no seat is both held and booked, every confirmed offer is one booking;
- every cancel that was acknowledged (200) is in the database.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

import psycopg
import requests

HOLDER_CITIZENS = range(40_001, 40_029)   # bench citizens the booking load does not use: one per seat of the day
WAITING_CITIZENS = range(40_101, 40_141)
EXPIRE_JOB = "miniapp_api.appointments.jobs.expire_waitlist_offers"


def prepare(env: dict[str, str], now: datetime) -> dict:
    """A centre of its own, one seat per slot, tomorrow booked out by real bookings, 40 people in line."""
    import os

    os.environ.update(env)
    from sqlalchemy import select

    from config import load_settings
    from miniapp_api.appointments import services, waitlist
    from miniapp_api.appointments.models import Slot
    from miniapp_api.appointments.slots import sync_slots
    from miniapp_api.centres.models import OpeningPeriod
    from miniapp_api.citizens.models import Citizen
    from miniapp_api.platform.clock import local_date
    from miniapp_api.platform.db import db
    from tests.factories import WEEKDAY_HOURS, CentreFactory, ItemFactory, WindowFactory

    db.configure(load_settings().sqlalchemy_url)
    session = db.session
    centre = CentreFactory(booking_horizon_days=30, min_notice_minutes=0, cancel_cutoff_minutes=0,
                           max_active_per_person=3)
    for weekday in range(7):
        for opens, closes in WEEKDAY_HOURS:
            centre.hours.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))
    item = ItemFactory(duration_minutes=15)
    window = WindowFactory(centre_id=centre.id, counters=1, items=[item])
    session.flush()
    session.expire(centre, ["windows"])
    sync_slots(session, centre.id, now)
    day = local_date(now) + timedelta(days=2)
    slots = [s for s in session.scalars(select(Slot).where(Slot.window_id == window.id).order_by(Slot.starts_at))
             if local_date(s.starts_at) == day]
    citizens = {c.openid: c for c in session.scalars(select(Citizen).where(Citizen.openid.in_(
        [f"o-bench-{n}" for n in (*HOLDER_CITIZENS, *WAITING_CITIZENS)])))}
    holders = []
    for n, slot in zip(HOLDER_CITIZENS, slots, strict=False):
        citizen = citizens[f"o-bench-{n}"]
        appointment = services.book_appointment(session, citizen_id=citizen.id,
                                                person=services.person_for_self(citizen, None), slot_id=slot.id,
                                                item_codes=[item.code], now=now)
        holders.append((n, appointment.id))
    session.commit()
    for n in WAITING_CITIZENS:
        waitlist.join(session, citizens[f"o-bench-{n}"], waitlist.Wanted(centre.id, item.code, day, day), now)
    session.commit()
    result = {"centre": centre.id, "holders": holders, "waiting": list(WAITING_CITIZENS),
              "seats": len(slots), "booked_out": len(holders) == len(slots)}
    db.engine.dispose()
    return result


def churn(port: int, setup: dict, seconds: float, enqueue_sweep) -> dict:
    """Half the holders cancel; the people in line look at their waitlist, and confirm (three in four) or
    decline what is held for them; the expiry sweep is enqueued every few seconds. Requests refused by the
    faults (connection errors, 503) are tried again on the next round, as a phone would."""
    base = f"http://127.0.0.1:{port}/api/v1"
    rng = random.Random(23)
    to_cancel = dict(rng.sample(setup["holders"], len(setup["holders"]) // 2))
    cancelled, confirmed, declined, refusals, errors = set(), set(), set(), 0, 0
    deadline, last_sweep = time.monotonic() + seconds, 0.0

    def call(method: str, path: str, citizen: int):
        return requests.request(method, f"{base}{path}", timeout=10, json={} if method == "POST" else None,
                                headers={"Authorization": f"Bearer bs_bench{citizen}", "X-Forwarded-For":
                                         f"10.23.{citizen % 250}.{citizen // 250 % 250 + 1}"})

    while time.monotonic() < deadline:
        if time.monotonic() - last_sweep > 3:
            try:
                enqueue_sweep()
                last_sweep = time.monotonic()
            except Exception:   # Redis down or hung: the scheduler would fire again next minute
                errors += 1
        for citizen, appointment_id in list(to_cancel.items())[:2]:
            try:
                answer = call("POST", f"/appointments/{appointment_id}/cancel", citizen)
            except requests.RequestException:
                errors += 1
                continue
            if answer.status_code == 200:
                cancelled.add(appointment_id)
                del to_cancel[citizen]
            elif answer.status_code == 409:
                del to_cancel[citizen]
        for citizen in rng.sample(setup["waiting"], 5):
            try:
                entries = call("GET", "/waitlist", citizen)
                if entries.status_code != 200:
                    continue
                for entry in entries.json()["entries"]:
                    if entry["offer"] is None:
                        continue
                    action = "decline" if rng.random() < 0.25 else "confirm"
                    answer = call("POST", f"/waitlist/offers/{entry['offer']['id']}/{action}", citizen)
                    if answer.status_code in (200, 201):
                        (confirmed if action == "confirm" else declined).add(entry["offer"]["id"])
                    elif answer.status_code in (409, 403, 422):
                        refusals += 1
            except requests.RequestException:
                errors += 1
        time.sleep(0.2)
    return {"cancels_acknowledged": sorted(cancelled), "confirmed": len(confirmed), "declined": len(declined),
            "refusals": refusals, "request_errors": errors}


def check(database_url: str, setup: dict, churned: dict) -> dict:
    with psycopg.connect(database_url) as connection:
        def one(sql: str, *params):
            return connection.execute(sql, params).fetchone()[0]

        centre = setup["centre"]
        double_held = one("SELECT count(*) FROM (SELECT entry_id FROM waitlist_offer WHERE status = 'held' "
                          "GROUP BY entry_id HAVING count(*) > 1) x")
        offers = one("SELECT count(*) FROM waitlist_offer WHERE centre_id = %s", centre)
        held = one("SELECT count(*) FROM waitlist_offer WHERE centre_id = %s AND status = 'held'", centre)
        confirmed = one("SELECT count(*) FROM waitlist_offer WHERE centre_id = %s AND status = 'confirmed'", centre)
        confirmed_without_booking = one("""
            SELECT count(*) FROM waitlist_offer o LEFT JOIN appointment a ON a.id = o.appointment_id
            WHERE o.centre_id = %s AND o.status = 'confirmed' AND (a.id IS NULL OR a.status <> 'booked')""", centre)
        over_full = one("""
            SELECT count(*) FROM slot s WHERE s.centre_id = %s AND s.capacity < (
              SELECT count(*) FROM waitlist_offer o WHERE o.slot_id = s.id AND o.status = 'held') + (
              SELECT count(*) FROM appointment_slot x JOIN appointment a ON a.id = x.appointment_id
               WHERE x.slot_id = s.id AND a.status = 'booked')""", centre)
        acknowledged = churned["cancels_acknowledged"]
        cancels_lost = one("SELECT count(*) FROM appointment WHERE id = ANY(%s) AND status <> 'cancelled'",
                           acknowledged) if acknowledged else 0
    return {"offers": offers, "held_now": held, "confirmed": confirmed, "entries_holding_two": double_held,
            "confirmed_without_booking": confirmed_without_booking, "slots_over_capacity": over_full,
            "cancels_acknowledged": len(acknowledged), "cancels_lost": cancels_lost,
            "holds": double_held == 0 and confirmed_without_booking == 0 and over_full == 0 and cancels_lost == 0}
