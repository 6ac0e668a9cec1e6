"""Console forms answer a refusal on their own page: the page that holds the form is rendered again with the
refusal's status, a general message at the top of the form, the message at each field and every value the
person typed still in its field. Nothing of the refused change stands: it is rolled back before the page is
drawn, so the page shows the rows as they were; only the audit rows the page writes as it is drawn are kept.

A POST view marks the page its form lives on with `@keeps_input("console.some_page")`; a view that answers both
GET and POST returns `form_page(save, show)`. The template asks `posted(action_url)` for the form's state and
draws its fields with the macros in macros.html (`field`, `error`, `form_alert`). Refusals that are not form
mistakes (not found, not allowed, too many tries, an expired form) still go to the error page."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, g, make_response, request
from markupsafe import Markup
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from miniapp_api.console import messages
from miniapp_api.console.blueprint import bp
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError, field_errors
from miniapp_api.platform.unit_of_work import KEEP_ON_REFUSAL, keep_on_refusal

FORM_MISTAKES = (400, 409, 422)  # a bad value or a change the case's state does not allow; others: error page


@dataclass(frozen=True)
class Posted:
    """What was posted to one form and what was wrong with it; empty for every form that was not posted."""

    values: MultiDict = field(default_factory=MultiDict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def __bool__(self) -> bool:
        return bool(self.message or self.errors)

    def value(self, name: str, default="") -> str:
        return self.values.get(name, "") if self else ("" if default is None else default)

    def checked(self, name: str, value="true", default: bool = False) -> bool:
        return str(value) in self.values.getlist(name) if self else default

    def selected(self, name: str, value, default: bool = False) -> bool:
        return self.checked(name, value, default)

    def errors_under(self, prefix: str) -> list[tuple[str, str]]:
        """Errors not of one field (a file's lines: "line 3") in the order found."""
        return [(name, text) for name, text in self.errors.items() if name.startswith(prefix)]

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def invalid(self, name: str) -> Markup:
        """The attributes that tie a field to its message."""
        if not self.errors.get(name):
            return Markup("")
        return Markup(' aria-invalid="true" aria-describedby="e-{}"').format(name)


NOT_POSTED = Posted()


def posted(action: str) -> Posted:
    """The state of the form that posts to `action`: what was typed and the errors when it is the form refused in
    this request (each row of a table has a form of its own address)."""
    refusal: tuple[str, Posted] | None = g.get("form_refusal")
    if refusal is None or refusal[0] != action.split("?")[0]:
        return NOT_POSTED
    g.form_refusal_shown = True
    return refusal[1]


bp.add_app_template_global(posted, "posted")
bp.add_app_template_global(NOT_POSTED, "not_posted")


def errors_of(exc: ValidationError) -> dict[str, str]:
    """A schema's errors by form field (the first part of each path)."""
    errors: dict[str, str] = {}
    for path, text in field_errors(exc).items():
        errors.setdefault(path.split(".")[0], text)
    return errors


def at_fields(errors: dict[str, str], names) -> dict[str, str]:
    """Errors keyed by a path inside a posted field (questions.0.kind) at that field, several joined."""
    fields: dict[str, str] = {}
    for path, text in errors.items():
        name = next((n for n in sorted(names, key=len, reverse=True)
                     if path == n or path.startswith((f"{n}.", f"{n}["))), path)
        fields[name] = text if name not in fields or text in fields[name] else f"{fields[name]}；{text}"
    return fields


def refused(exc: ValidationError | DomainError, render: Callable[[], object]):
    """Answer a form mistake with the page `render` draws (after a rollback: it shows the rows as they were),
    the form that was posted holding what was typed and the errors. Any other refusal is raised again for the
    error page."""
    if isinstance(exc, ValidationError):
        status, errors, message = 422, errors_of(exc), messages.INVALID_FORM
    elif exc.status in FORM_MISTAKES:
        status, errors, message = exc.status, at_fields(exc.fields or {}, request.form.keys()), exc.message
    else:
        raise exc
    db.session.rollback()
    # What the page writes while drawn stands: its audit rows of who looked at personal data (the refused change
    # is gone with the rollback above).
    keep_on_refusal(db.session)
    g.form_refusal = (request.path, Posted(MultiDict(request.form), errors, message))
    response = make_response(render())
    if not g.pop("form_refusal_shown", False):
        # The form is no longer on its page (the case moved on meanwhile): the error page says what happened.
        g.pop("form_refusal")
        db.session.info.pop(KEEP_ON_REFUSAL, None)  # the error page's answer rolls back all, as before
        raise exc
    response.status_code = status
    return response


def form_page(save: Callable[[], object], show: Callable[[], object]):
    """A view that answers GET with its page and POST by saving the form on it: a refused save answers the page
    again with what was typed."""
    if request.method != "POST":
        return show()
    try:
        return save()
    except (ValidationError, DomainError) as exc:
        return refused(exc, show)


def keeps_input(show: str | Callable) -> Callable:
    """A POST view whose form lives on the page `show` draws: a console endpoint, or a function; either is called
    with those of the view's arguments it takes. A bad value or a refused change answers that page again (422,
    or the refusal's own 409) instead of the error page."""
    def wrap(view):
        @wraps(view)
        def run(**args):
            try:
                return view(**args)
            except (ValidationError, DomainError) as exc:
                page_view = current_app.view_functions[show] if isinstance(show, str) else show
                takes = inspect.signature(page_view).parameters
                return refused(exc, lambda: page_view(**{k: v for k, v in args.items() if k in takes}))
        return run
    return wrap
