"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.applications.jobs import create_batch_members as create_batch_members
from miniapp_api.applications.jobs import flag_overdue_materials as flag_overdue_materials
from miniapp_api.licences.jobs import licence_expiry_reminders as licence_expiry_reminders
