"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.notifications.jobs import enqueue_due_notifications as enqueue_due_notifications
from miniapp_api.notifications.jobs import mark_stuck_notifications as mark_stuck_notifications
from miniapp_api.notifications.jobs import send_notification as send_notification
from miniapp_api.notifications.jobs import send_notifications as send_notifications
