"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.events_jobs import dispatch_event as dispatch_event
from miniapp_api.events_jobs import dispatch_pending_events as dispatch_pending_events
