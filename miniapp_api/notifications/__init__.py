"""Notifications: the outbox, WeChat subscribe-message consents and the in-app message centre."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "notifications",
    blueprints=("miniapp_api.notifications.views.bp",),
    models="miniapp_api.notifications.models",
    jobs="miniapp_api.notifications.jobs",
    schedule=(
        Periodic("enqueue-due-notifications", "miniapp_api.notifications.jobs.enqueue_due_notifications", "* * * * *"),
        Periodic("mark-stuck-notifications", "miniapp_api.notifications.jobs.mark_stuck_notifications", "*/5 * * * *"),
    ),
)
