"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.surveys.jobs import monthly_campaign as monthly_campaign
from miniapp_api.surveys.jobs import quarterly_audit as quarterly_audit
from miniapp_api.surveys.jobs import remind_and_expire as remind_and_expire
from miniapp_api.surveys.jobs import send_due_invitations as send_due_invitations
