from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "reports",
    models="miniapp_api.reports.models",
    jobs="miniapp_api.reports.jobs",
    # Files of exports whose link has lapsed (24 h after they were made) leave the store; lost jobs are queued again.
    schedule=(Periodic("sweep-reports", "miniapp_api.reports.jobs.sweep_reports", "25 * * * *"),),
    console_pages=("miniapp_api.console.reports",),
)
