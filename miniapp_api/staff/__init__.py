from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "staff",
    blueprints=("miniapp_api.staff.views.bp",),
    models="miniapp_api.staff.models",
    jobs="miniapp_api.staff.jobs",
    # After midnight in Shanghai: yesterday's audit rows are signed, then the whole chain is checked.
    schedule=(Periodic("seal-audit-days", "miniapp_api.staff.jobs.seal_audit_days", "15 0 * * *", job_timeout=3600),),
    console_pages=("miniapp_api.console.admin", "miniapp_api.console.audit"),
)
