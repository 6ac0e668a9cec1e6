"""The platform every domain stands on: the database and the request's unit of work, after-commit
enqueue, the clock and Shanghai time formatting, errors and the envelope, idempotency, privacy (cipher,
masking), the domain-event registry, auth primitives, rate-limit keys and logging.

It imports no domain, no view, no console and no job (tests/test_layers.py).
"""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

# The platform declares its own parts like a domain: its tables and the domain events' dispatch jobs, which stand
# at the app level (miniapp_api/events_jobs.py) since the platform imports nothing above it.
DOMAIN = Domain(
    "platform",
    models="miniapp_api.platform.models",
    jobs="miniapp_api.events_jobs",
    schedule=(Periodic("dispatch-pending-events", "miniapp_api.events_jobs.dispatch_pending_events", "*/5 * * * *"),),
)
