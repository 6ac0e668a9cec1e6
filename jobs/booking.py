"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.appointments.jobs import expire_waitlist_offers as expire_waitlist_offers
from miniapp_api.appointments.jobs import fill_booking_horizons as fill_booking_horizons
from miniapp_api.appointments.jobs import mark_no_shows as mark_no_shows
