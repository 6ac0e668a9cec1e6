from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "assistance",
    blueprints=("miniapp_api.assistance.views.bp",),
    models="miniapp_api.assistance.models",
    jobs="miniapp_api.assistance.jobs",
    schedule=(
        # Hourly in working hours: the morning after a first contact was due, its helper (or manager) is told.
        Periodic("assistance-contact-sla", "miniapp_api.assistance.jobs.assistance_contact_sweep", "25 8-18 * * *"),
    ),
    console_pages=("miniapp_api.console.assistance",),
)
