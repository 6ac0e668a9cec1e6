"""The staff API's role guard, as the console has `@page(*roles)`: a view open to these roles only (admins to all),
the roles named from the one table in `staff/permissions.py`; anyone else gets the same 404 as a route that does
not exist. It also marks the view as needing a logged-in staff member (`platform.auth.staff_required`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g

from miniapp_api.platform.auth import staff_required
from miniapp_api.staff.services import require_role


def staff_role(*roles: str) -> Callable:
    def guard(view):
        @wraps(view)
        def checked(*args, **kwargs):
            require_role(g.staff, *roles)
            return view(*args, **kwargs)

        return staff_required(checked)

    return guard
