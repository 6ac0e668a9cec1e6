"""Slots, bookings, check-in and queue tickets."""

from __future__ import annotations

from miniapp_api.platform.domains import CauseCheck, Domain, Periodic

DOMAIN = Domain(
    "appointments",
    blueprints=("miniapp_api.appointments.views.bp", "miniapp_api.appointments.staff_views.bp"),
    models="miniapp_api.appointments.models",
    jobs="miniapp_api.appointments.jobs",
    schedule=(
        # Hourly rather than nightly: the new day opens just after midnight, and changed
        # opening hours reach the slots within the hour.
        Periodic("fill-booking-horizons", "miniapp_api.appointments.jobs.fill_booking_horizons", "5 * * * *"),
        Periodic("mark-no-shows", "miniapp_api.appointments.jobs.mark_no_shows", "*/5 * * * *"),
        # Every minute: a held seat that runs out should reach the next person at once.
        Periodic("expire-waitlist-offers", "miniapp_api.appointments.jobs.expire_waitlist_offers", "* * * * *"),
    ),
    cause_checks=(
        CauseCheck("appointment", "miniapp_api.appointments.services.gone_reminders"),
        CauseCheck("ticket", "miniapp_api.appointments.queue.gone_queue_pushes"),
        CauseCheck("waitlist_offer", "miniapp_api.appointments.waitlist.gone_offers"),
    ),
    console_pages=("miniapp_api.console.counter", "miniapp_api.console.closures"),
)
