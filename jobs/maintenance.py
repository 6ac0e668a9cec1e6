"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.accounts.jobs import erase_closed_accounts as erase_closed_accounts
from miniapp_api.accounts.jobs import purge_by_retention as purge_by_retention
from miniapp_api.businesses.jobs import link_business_representatives as link_business_representatives
from miniapp_api.citizens.jobs import purge_expired_sessions as purge_expired_sessions
