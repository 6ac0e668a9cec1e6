"""注销 (account deletion) and how long personal data is kept (retention)."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "accounts",
    blueprints=("miniapp_api.accounts.views.bp",),
    jobs="miniapp_api.accounts.jobs",
    schedule=(
        Periodic("purge-by-retention", "miniapp_api.accounts.jobs.purge_by_retention", "40 3 * * *", job_timeout=3600),
        Periodic("erase-closed-accounts", "miniapp_api.accounts.jobs.erase_closed_accounts", "*/10 * * * *"),
    ),
)
