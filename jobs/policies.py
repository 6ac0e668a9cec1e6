"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.policies.jobs import match_changed as match_changed
from miniapp_api.policies.jobs import match_nightly as match_nightly
from miniapp_api.policies.jobs import match_published as match_published
from miniapp_api.policies.jobs import remind_and_expire as remind_and_expire
from miniapp_api.policies.jobs import work_match_tasks as work_match_tasks
