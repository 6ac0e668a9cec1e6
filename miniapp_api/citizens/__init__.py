"""Citizens: WeChat login, bearer sessions and the personal profile."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "citizens",
    blueprints=("miniapp_api.citizens.views.bp",),
    models="miniapp_api.citizens.models",
    jobs="miniapp_api.citizens.jobs",
    schedule=(
        Periodic("purge-expired-sessions", "miniapp_api.citizens.jobs.purge_expired_sessions", "30 3 * * *"),
    ),
)
