from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "ratings",
    blueprints=("miniapp_api.ratings.views.bp", "miniapp_api.ratings.views.staff_bp"),
    models="miniapp_api.ratings.models",
    jobs="miniapp_api.ratings.jobs",
    schedule=(
        Periodic("rectifications-overdue", "miniapp_api.ratings.jobs.rectification_sweep", "20 8 * * *"),
    ),
)
