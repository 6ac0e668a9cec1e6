"""What the stand-ins for outside services (the WeChat and the SMS emulators) share: injected faults — which
rule a call meets, its delay and its HTTP failure — and a clock that tests can move against this process's."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import Response


class Fault(Protocol):
    http_status: int | None
    latency_ms: int
    times: int | None
    hits: int


F = TypeVar("F", bound=Fault)


def first_fault(rules: Iterable[F], *, matches: Callable[[F], bool] = lambda rule: True,
                chance: Callable[[F], bool] = lambda rule: True) -> F | None:
    """The first rule that matches this call, has hits left and (for a rule with a rate) comes up; counted as
    hit. Call it under the emulator's lock."""
    for rule in rules:
        if not matches(rule) or (rule.times is not None and rule.hits >= rule.times) or not chance(rule):
            continue
        rule.hits += 1
        return rule
    return None


def slow_or_failed(rule: Fault) -> Response | None:
    """The rule's delay, then its HTTP failure if it has one (None: the caller answers with its own error)."""
    if rule.latency_ms:
        time.sleep(rule.latency_ms / 1000)
    if rule.http_status:
        return Response("emulated upstream failure", status=rule.http_status)
    return None


@dataclass
class OffsetClock:
    """The service's clock: this process's, moved by `offset` seconds (expiries, timestamp checks)."""

    offset: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset
