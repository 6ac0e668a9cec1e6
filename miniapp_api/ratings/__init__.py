from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "ratings",
    blueprints=("miniapp_api.ratings.views.bp", "miniapp_api.ratings.views.staff_bp"),
    models="miniapp_api.ratings.models",
    schedule=(
        Periodic("rectifications-overdue", "jobs.feedback.rectification_sweep", "20 8 * * *"),
    ),
)
