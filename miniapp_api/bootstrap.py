"""Wiring done once at start, above every domain, read from the domains' declarations (`DOMAIN` in each
package's `__init__.py`, platform/domains.py): the complete model metadata, the event consumers and the outbox's
cause checks — so no domain has to import the domains that react to it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

import miniapp_api
from miniapp_api.notifications import delivery
from miniapp_api.platform import events
from miniapp_api.platform.db import Base
from miniapp_api.platform.domains import Domain, resolve
from miniapp_api.platform.models import DomainEvent


@cache
def declarations() -> tuple[Domain, ...]:
    """Every package of the app that declares itself (the platform and each domain), by package name."""
    found = []
    for package in sorted(m.name for m in pkgutil.iter_modules(miniapp_api.__path__) if m.ispkg):
        declared = getattr(importlib.import_module(f"miniapp_api.{package}"), "DOMAIN", None)
        if isinstance(declared, Domain):
            found.append(declared)
    return tuple(found)


def load_all_models() -> type[Base]:
    """Every domain's tables on one metadata (Alembic, tests)."""
    for domain in declarations():
        if domain.models:
            resolve(domain.models)
    return Base


# A consumer's keyword-only arguments are the app's services of these names (app.extensions), given at each call:
# a consumer runs inside the event dispatch job or a test, without a request to look them up on.
CONSUMER_ARGUMENTS = {"keys": "banshi.keyring", "cipher": "banshi.cipher"}


def wire(services: Mapping[str, object]) -> None:
    """All of it; create_app calls this for every app it builds (web and worker) with the app's services
    (app.extensions), and it is idempotent."""
    load_all_models()
    wire_event_consumers(services)
    wire_outbox_checks()


def wire_outbox_checks() -> None:
    """Before a reminder goes out, the domain that owns its subject says whether its cause still stands."""
    for domain in declarations():
        for check in domain.cause_checks:
            delivery.check_causes_with(check.subject, resolve(check.check))


def wire_event_consumers(services: Mapping[str, object]) -> None:
    """Who reacts to which domain event."""
    for domain in declarations():
        for consumer in domain.consumers:
            handler = resolve(consumer.handler)
            needs = [name for name, parameter in inspect.signature(handler).parameters.items()
                     if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
            events.subscribe(getattr(events, consumer.kind), WithServices(handler, services, needs) if needs else handler)


@dataclass(frozen=True)
class WithServices:
    """A consumer called with the app's services it names, as they stand when it runs."""
    func: Callable[..., None]
    services: Mapping[str, object]
    needs: list[str]

    def __call__(self, session: Session, batch: list[DomainEvent]) -> None:
        # The app running the dispatch, when there is one (several apps may be built in one process, as the tests
        # do; the subscription is process-wide), else the app that wired it.
        services = current_app.extensions if has_app_context() else self.services
        self.func(session, batch, **{name: services[CONSUMER_ARGUMENTS[name]] for name in self.needs})
