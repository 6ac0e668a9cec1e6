"""Notifications: the outbox, WeChat subscribe-message consents and the in-app message centre."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "notifications",
    blueprints=("miniapp_api.notifications.views.bp",),
    models="miniapp_api.notifications.models",
    schedule=(
        Periodic("enqueue-due-notifications", "jobs.notifications.enqueue_due_notifications", "* * * * *"),
        Periodic("mark-stuck-notifications", "jobs.notifications.mark_stuck_notifications", "*/5 * * * *"),
    ),
)
