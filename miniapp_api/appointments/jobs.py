"""Appointment jobs: keep the booking horizon filled, mark no-shows, move the waitlist on."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.appointments import services, waitlist
from miniapp_api.appointments.slots import fill_all_horizons
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def fill_booking_horizons() -> int:
    """Add the new day's slots (and follow changed hours); booked seats are never touched."""
    added = fill_all_horizons(db.session, utcnow())
    log.info("slots.filled", added=added)
    return added


@in_app_context
def mark_no_shows() -> int:
    marked = services.mark_no_shows(db.session, utcnow())
    log.info("appointments.no_shows", marked=marked)
    return marked


@in_app_context
def expire_waitlist_offers() -> int:
    """Held seats nobody confirmed in time pass to the next in line (or back to the pool)."""
    lapsed = waitlist.expire_offers(db.session, utcnow())
    log.info("waitlist.offers_expired", lapsed=lapsed)
    return lapsed
