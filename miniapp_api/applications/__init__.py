from __future__ import annotations

from miniapp_api.platform.domains import Consumer, Domain, Periodic

DOMAIN = Domain(
    "applications",
    blueprints=("miniapp_api.applications.views.bp", "miniapp_api.applications.staff_views.bp"),
    models="miniapp_api.applications.models",
    jobs="miniapp_api.applications.jobs",
    schedule=(
        Periodic("flag-overdue-materials", "miniapp_api.applications.jobs.flag_overdue_materials", "10 0 * * *"),
    ),
    consumers=(
        Consumer("APPLICATION_COMPLETED", "miniapp_api.applications.batches.on_completion"),   # a batch's one completion message
    ),
    console_pages=("miniapp_api.console.batches",),
)
