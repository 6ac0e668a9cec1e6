"""Old names of jobs that moved beside their domains (see each import): they exist only so that jobs queued
in Redis under these names before the move still run. Delete this module one release after the move."""

from __future__ import annotations

from miniapp_api.files.jobs import drop_blobs as drop_blobs
from miniapp_api.files.jobs import sweep_files as sweep_files
