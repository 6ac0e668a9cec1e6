"""注销 (account deletion) and how long personal data is kept (retention)."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "accounts",
    blueprints=("miniapp_api.accounts.views.bp",),
    schedule=(
        Periodic("purge-by-retention", "jobs.maintenance.purge_by_retention", "40 3 * * *", job_timeout=3600),
        Periodic("erase-closed-accounts", "jobs.maintenance.erase_closed_accounts", "*/10 * * * *"),
    ),
)
