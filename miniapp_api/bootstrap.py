"""Wiring done once at start, above every domain: the complete model metadata, the event consumers and the
outbox's cause checks — so no domain has to import the domains that react to it."""

from __future__ import annotations

from miniapp_api.applications import batches
from miniapp_api.applications import models as _applications  # noqa: F401  (registers its tables)
from miniapp_api.appointments import models as _appointments  # noqa: F401
from miniapp_api.appointments import queue, waitlist
from miniapp_api.appointments import services as appointments
from miniapp_api.businesses import models as _businesses  # noqa: F401
from miniapp_api.centres import models as _centres  # noqa: F401
from miniapp_api.certificates import models as _certificates  # noqa: F401
from miniapp_api.certificates import services as certificates
from miniapp_api.citizens import models as _citizens  # noqa: F401
from miniapp_api.feedback import models as _feedback  # noqa: F401
from miniapp_api.files import models as _files  # noqa: F401
from miniapp_api.filing import models as _filing  # noqa: F401
from miniapp_api.guidance import models as _guidance  # noqa: F401
from miniapp_api.identity import models as _identity  # noqa: F401
from miniapp_api.inspections import models as _inspections  # noqa: F401
from miniapp_api.licences import models as _licences  # noqa: F401
from miniapp_api.notifications import delivery
from miniapp_api.notifications import models as _notifications  # noqa: F401
from miniapp_api.platform import events
from miniapp_api.platform import models as _platform  # noqa: F401
from miniapp_api.platform.db import Base
from miniapp_api.policies import models as _policies  # noqa: F401
from miniapp_api.ratings import models as _ratings  # noqa: F401
from miniapp_api.staff import models as _staff  # noqa: F401
from miniapp_api.surveys import models as _surveys  # noqa: F401
from miniapp_api.surveys import triggers as surveys


def load_all_models() -> type[Base]:
    """Every domain's tables on one metadata (Alembic, tests)."""
    return Base


def wire() -> None:
    """All of it; create_app calls this for every app it builds (web and worker), and it is idempotent."""
    wire_event_consumers()
    wire_outbox_checks()


def wire_outbox_checks() -> None:
    """Before a reminder goes out, the domain that owns its subject says whether its cause still stands."""
    delivery.check_causes_with("appointment", appointments.gone_reminders)
    delivery.check_causes_with("ticket", queue.gone_queue_pushes)
    delivery.check_causes_with("waitlist_offer", waitlist.gone_offers)


def wire_event_consumers() -> None:
    """Who reacts to which domain event."""
    for kind in (events.APPLICATION_COMPLETED, events.APPOINTMENT_SERVED, events.FEEDBACK_CLOSED):
        events.subscribe(kind, surveys.on_completion)        # a follow-up survey (回访)
    events.subscribe(events.BUNDLE_COMPLETED, surveys.on_bundle_completion)   # one survey for a whole 一件事
    events.subscribe(events.APPLICATION_COMPLETED, certificates.on_completion)   # 电子证照 issued or renewed
    events.subscribe(events.APPLICATION_COMPLETED, batches.on_completion)        # a batch's one completion message
    events.subscribe(events.RECTIFICATION_FIXED, surveys.on_rectification_fixed)  # the revisit of a fix
