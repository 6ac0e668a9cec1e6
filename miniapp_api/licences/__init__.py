from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "licences",
    blueprints=("miniapp_api.licences.views.bp", "miniapp_api.licences.views.staff_bp"),
    models="miniapp_api.licences.models",
    jobs="miniapp_api.licences.jobs",
    schedule=(
        # 09:00 so the reminders are not held back by quiet hours; the sweep catches up on missed days.
        Periodic("licence-expiry-reminders", "miniapp_api.licences.jobs.licence_expiry_reminders",
                 "0 9 * * *", job_timeout=3600),
    ),
)
