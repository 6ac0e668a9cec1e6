from __future__ import annotations

from miniapp_api.platform.domains import CauseCheck, Domain, Periodic

DOMAIN = Domain(
    "ratings",
    blueprints=("miniapp_api.ratings.views.bp", "miniapp_api.ratings.views.staff_bp"),
    models="miniapp_api.ratings.models",
    jobs="miniapp_api.ratings.jobs",
    schedule=(
        Periodic("rectifications-overdue", "miniapp_api.ratings.jobs.rectification_sweep", "20 8 * * *"),
    ),
    cause_checks=(
        # A 一次一评 invitation held back by quiet hours is not sent once the case has been rated meanwhile.
        CauseCheck("rating_invitation", "miniapp_api.ratings.services.rated_invitations"),
    ),
)
