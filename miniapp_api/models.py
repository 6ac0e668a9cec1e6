"""Column helpers shared by every domain's models, and the import that registers them all."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, Identity, func
from sqlalchemy.orm import mapped_column

from miniapp_api.extensions import Base

IntPK = Annotated[int, mapped_column(BigInteger, Identity(), primary_key=True)]
# timestamptz: PostgreSQL stores the instant in UTC whatever zone the client sent.
UtcDateTime = Annotated[datetime, mapped_column(DateTime(timezone=True))]
CreatedAt = Annotated[datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]


def one_or_not_found(session, statement, not_found: Exception, *, lock: type | None = None):
    """The one row the caller may see, else `not_found`: another person's record is simply not found.
    With `lock`, that table's row is locked for the rest of the transaction."""
    if lock is not None:
        statement = statement.with_for_update(of=lock)
    row = session.scalars(statement).one_or_none()
    if row is None:
        raise not_found
    return row


def load_all_models() -> type[Base]:
    """Import every domain's models so metadata is complete (Alembic, tests)."""
    from miniapp_api import platform_models as _platform  # noqa: F401
    from miniapp_api.applications import models as _applications  # noqa: F401
    from miniapp_api.appointments import models as _appointments  # noqa: F401
    from miniapp_api.centres import models as _centres  # noqa: F401
    from miniapp_api.citizens import models as _citizens  # noqa: F401
    from miniapp_api.feedback import models as _feedback  # noqa: F401
    from miniapp_api.licences import models as _licences  # noqa: F401
    from miniapp_api.notifications import models as _notifications  # noqa: F401
    from miniapp_api.ratings import models as _ratings  # noqa: F401
    from miniapp_api.staff import models as _staff  # noqa: F401
    from miniapp_api.surveys import models as _surveys  # noqa: F401

    return Base
