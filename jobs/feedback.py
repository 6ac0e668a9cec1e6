"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.feedback.jobs import check_content as check_content
from miniapp_api.feedback.jobs import feedback_sla_sweep as feedback_sla_sweep
from miniapp_api.feedback.jobs import sweep_unchecked_feedback as sweep_unchecked_feedback
from miniapp_api.ratings.jobs import rectification_sweep as rectification_sweep
