from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "feedback",
    blueprints=("miniapp_api.feedback.views.bp", "miniapp_api.feedback.staff_views.bp"),
    models="miniapp_api.feedback.models",
    jobs="miniapp_api.feedback.jobs",
    schedule=(
        # Hourly in working hours: a 督办 is raised the morning a deadline has passed.
        Periodic("feedback-sla", "miniapp_api.feedback.jobs.feedback_sla_sweep", "15 8-18 * * *"),
        Periodic("feedback-unchecked", "miniapp_api.feedback.jobs.sweep_unchecked_feedback", "*/15 * * * *"),
    ),
)
