from __future__ import annotations

from miniapp_api.platform.domains import Consumer, Domain, Periodic

DOMAIN = Domain(
    "surveys",
    blueprints=("miniapp_api.surveys.views.bp", "miniapp_api.surveys.views.staff_bp"),
    models="miniapp_api.surveys.models",
    jobs="miniapp_api.surveys.jobs",
    schedule=(
        Periodic("survey-invitations", "miniapp_api.surveys.jobs.send_due_invitations", "*/5 * * * *"),
        Periodic("survey-reminders", "miniapp_api.surveys.jobs.remind_and_expire", "30 * * * *"),
        Periodic("survey-monthly-campaign", "miniapp_api.surveys.jobs.monthly_campaign", "0 10 1 * *"),
        Periodic("survey-quarterly-audit", "miniapp_api.surveys.jobs.quarterly_audit", "0 10 1 1,4,7,10 *"),
    ),
    consumers=(
        Consumer("APPLICATION_COMPLETED", "miniapp_api.surveys.consumers.on_completion"),   # a follow-up survey (回访)
        Consumer("APPOINTMENT_SERVED", "miniapp_api.surveys.consumers.on_completion"),   # a follow-up survey (回访)
        Consumer("FEEDBACK_CLOSED", "miniapp_api.surveys.consumers.on_completion"),   # a follow-up survey (回访)
        Consumer("BUNDLE_COMPLETED", "miniapp_api.surveys.consumers.on_bundle_completion"),   # one survey for a whole 一件事
        Consumer("RECTIFICATION_FIXED", "miniapp_api.surveys.consumers.on_rectification_fixed"),   # the revisit of a fix
    ),
)
