"""The dashboard's figures from real rows."""

from sqlalchemy import update

from miniapp_api.appointments.models import Appointment
from miniapp_api.console import queries
from tests.appointments.test_booking import book
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity


def test_no_show_rate_of_the_period_counts_ended_appointments_only(db_session, cipher):
    hall = build_hall(db_session, MONDAY_8AM)
    booked = [book(db_session, cipher, citizen_with_identity(db_session, cipher, n),
                   hall.slot(db_session, hall.general, f"2026-11-23 {time}"), [hall.quick])
              for n, time in ((91, "10:00"), (92, "10:15"), (93, "10:30"))]
    for appointment, status in zip(booked, ("served", "no_show"), strict=False):  # the third is still to come
        db_session.execute(update(Appointment).where(Appointment.id == appointment.id).values(status=status))
    day = MONDAY_8AM.date()
    [row] = queries.bookings_per_day(db_session, {hall.centre.id}, day, day)
    assert (row["bookings"], row["ended"], row["no_shows"], row["no_show_rate"]) == (3, 2, 1, 50.0)
    assert queries.no_show_share([row]) == 50.0
    assert queries.no_show_share([]) is None
