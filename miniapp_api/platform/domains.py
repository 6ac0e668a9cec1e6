"""What a domain package declares about itself, once, in its `__init__.py` (`DOMAIN = Domain(...)`).

Every part is a dotted string (`package.module` or `package.module.attribute`), so declaring imports nothing and
creates no import cycle. The app factory, the model registry, the event wiring, the scheduler's table, the worker
and the layer test read the declarations (`miniapp_api/bootstrap.py` collects them); adding a domain means adding
its package with its declaration, and nothing else.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    """A periodic job. Each must be safe to run twice: the scheduler claims every fire time in Redis so two
    schedulers enqueue it once, but a job may still be retried."""
    name: str
    func: str          # dotted path of the job function
    cron: str          # minute hour day month weekday, Asia/Shanghai
    queue: str = "sweeps"
    job_timeout: int = 600


@dataclass(frozen=True)
class Consumer:
    """`handler(session, events)` receives the events of `kind` (a constant's name in platform/events.py)."""
    kind: str
    handler: str


@dataclass(frozen=True)
class CauseCheck:
    """Before a reminder about a `subject` goes out, `check` says which of them no longer stand
    (notifications/delivery.py)."""
    subject: str
    check: str


@dataclass(frozen=True)
class Domain:
    name: str
    blueprints: tuple[str, ...] = ()       # API, staff API and plain blueprints (file links, verification)
    models: str | None = None              # the module whose import registers the domain's tables
    jobs: str | None = None                # the module of its job functions (enqueued by dotted name)
    schedule: tuple[Periodic, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    cause_checks: tuple[CauseCheck, ...] = ()
    console_pages: tuple[str, ...] = ()    # console modules whose import puts their routes on the console

    def parts(self) -> list[str]:
        """Every dotted name the declaration holds."""
        return [*self.blueprints, *filter(None, (self.models, self.jobs)),
                *(entry.func for entry in self.schedule), *(c.handler for c in self.consumers),
                *(c.check for c in self.cause_checks), *self.console_pages]


def resolve(dotted: str) -> Any:
    """The module, or the attribute of a module, a dotted name stands for (ImportError if there is none)."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        module, _, attribute = dotted.rpartition(".")
        if not module or exc.name not in (dotted, *_prefixes(dotted)):
            raise
        found = importlib.import_module(module)
        if not hasattr(found, attribute):
            raise ImportError(f"{module} has no {attribute}") from None
        return getattr(found, attribute)


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
