"""Booking sweeps: keep the booking horizon filled, mark no-shows."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.appointments import services
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
