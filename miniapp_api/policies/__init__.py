"""政策快享 / 免申即享: policies whose eligibility is a rule as data, matched to people and businesses."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "policies",
    blueprints=("miniapp_api.policies.views.bp", "miniapp_api.policies.views.staff_bp"),
    models="miniapp_api.policies.models",
    jobs="miniapp_api.policies.jobs",
    schedule=(
        # 政策快享: every rule in force against everyone (ages and registration months move on), after the registry
        # link sweep so newly linked representatives hear of their businesses' matches; then the one reminder.
        Periodic("match-policies", "miniapp_api.policies.jobs.match_nightly", "20 3 * * *", job_timeout=3600),
        Periodic("policy-reminders", "miniapp_api.policies.jobs.remind_and_expire", "0 10 * * *"),
    ),
    console_pages=("miniapp_api.console.policies",),
)
