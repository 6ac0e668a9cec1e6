"""Parity: every citizen route of the OpenAPI document is called by a page of the mini-program a city ships, or is
listed in miniprogram/routes-without-a-page.yaml with its reason. A new citizen route without a page, a listed route
a page now calls, or a listed route that no longer exists fails here.

A page "calls" a route when its code holds the route's address as a string or template literal (`${…}` standing
for a path parameter); the method is not matched (several pages build the address first and pick the method later).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MINIPROGRAM = ROOT / "miniprogram"
LISTED = MINIPROGRAM / "routes-without-a-page.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}
LITERAL = re.compile(r"`(/api/v1/[^`]*)`|\"(/api/v1/[^\"]*)\"|'(/api/v1/[^']*)'")


def citizen_routes(client) -> set[str]:
    spec = client.get("/api/v1/openapi.json").get_json()
    return {f"{method.upper()} {path}" for path, operations in spec["paths"].items() if path.startswith("/api/v1/")
            for method in operations if method in METHODS}


def called_addresses() -> set[tuple[str, ...]]:
    """Every /api/v1 address written in the shipped code (pages, utils, app.js), as path segments; "*" for `${…}`."""
    found = set()
    for source in MINIPROGRAM.rglob("*.js"):
        if {"node_modules", "test"} & set(source.relative_to(MINIPROGRAM).parts):
            continue
        for match in LITERAL.finditer(source.read_text(encoding="utf-8")):
            text = next(group for group in match.groups() if group is not None)
            address = re.sub(r"\$\{[^}]*\}", "*", text).split("?")[0]
            segments = [s if s == "*" else s.split("*")[0] for s in address.strip("/").split("/")]   # a query built by ${…}
            found.add(tuple(segments))
    return found


def _matches(address: tuple[str, ...], segments: list[str]) -> bool:
    return len(address) == len(segments) and all(a == s or a == "*" or s.startswith("{")
                                                 for a, s in zip(address, segments))


def called_routes(routes: set[str], addresses: set[tuple[str, ...]]) -> set[str]:
    """The routes the addresses call: of the routes one address matches, those it names most literally (a page's
    `/certificates/${id}/pdf` calls certificates/{certificate_id}/pdf, not certificates/verify/{token})."""
    called = set()
    for address in addresses:
        matching = {route: sum(a == s for a, s in zip(address, route.split(" ", 1)[1].strip("/").split("/")))
                    for route in routes if _matches(address, route.split(" ", 1)[1].strip("/").split("/"))}
        best = max(matching.values(), default=None)
        called |= {route for route, literal in matching.items() if literal == best}
    return called


def test_every_citizen_route_is_called_by_a_page_or_listed_with_its_reason(client):
    routes = citizen_routes(client)
    addresses = called_addresses()
    listed = yaml.safe_load(LISTED.read_text(encoding="utf-8"))
    assert all(isinstance(reason, str) and len(reason) > 10 for reason in listed.values()), "give each its reason"
    uncalled = routes - called_routes(routes, addresses)
    assert uncalled - set(listed) == set(), "a citizen route no page calls: build its page or list it with the reason"
    assert set(listed) - routes == set(), "listed routes that no longer exist"
    assert set(listed) & (routes - uncalled) == set(), "listed routes a page now calls: take them off the list"
    # Most of what citizens do has a page; the few left are listed with their reasons.
    assert len(routes - uncalled) > len(uncalled)


def test_the_matcher_tells_a_template_parameter_from_a_fixed_segment():
    addresses = {("api", "v1", "appointments", "*", "cancel"), ("api", "v1", "policies"),
                 ("api", "v1", "certificates", "*", "pdf")}
    routes = {"POST /api/v1/appointments/{appointment_id}/cancel", "POST /api/v1/appointments/{appointment_id}/reschedule",
              "GET /api/v1/policies", "GET /api/v1/policies/{policy_id}",
              "GET /api/v1/certificates/{certificate_id}/pdf", "GET /api/v1/certificates/verify/{token}"}
    assert called_routes(routes, addresses) == {"POST /api/v1/appointments/{appointment_id}/cancel",
                                                "GET /api/v1/policies", "GET /api/v1/certificates/{certificate_id}/pdf"}


def test_every_textarea_of_the_mini_program_says_its_limit():
    """WeChat cuts a <textarea> at 140 characters unless it has a maxlength: a citizen's complaint would lose its
    end without a word. Each one states the API's limit."""
    missing = []
    for page in (MINIPROGRAM / "pages").rglob("*.wxml"):
        for tag in re.findall(r"<textarea\b[^>]*>", page.read_text(encoding="utf-8")):
            if "maxlength=" not in tag:
                missing.append(f"{page.relative_to(MINIPROGRAM)}: {tag}")
    assert missing == []
    feedback = (MINIPROGRAM / "pages" / "feedback" / "index.wxml").read_text(encoding="utf-8")
    assert 'maxlength="1000"' in feedback and "{{text.length}}/1000" in feedback
