from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "projects",
    blueprints=("miniapp_api.projects.views.bp",),
    models="miniapp_api.projects.models",
    jobs="miniapp_api.projects.jobs",
    schedule=(
        # Every morning: milestones past their target date are marked overdue and their project's lead official
        # and service officers are told once, in the console (like feedback 督办).
        Periodic("project-milestone-overdue", "miniapp_api.projects.jobs.milestone_overdue_sweep", "10 8 * * *"),
    ),
    console_pages=("miniapp_api.console.projects",),
)
