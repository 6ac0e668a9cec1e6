"""Periodic jobs, declared as data by each domain (`schedule` in its declaration) and read here into one table.
Cron strings are read in Asia/Shanghai time.

Each entry must be safe to run twice: the scheduler claims every fire time in
Redis so two schedulers enqueue it once, but a job may still be retried.
"""

from __future__ import annotations

from miniapp_api.bootstrap import declarations
from miniapp_api.platform.domains import Periodic

__all__ = ["SCHEDULE", "Periodic"]

SCHEDULE: tuple[Periodic, ...] = tuple(entry for domain in declarations() for entry in domain.schedule)
