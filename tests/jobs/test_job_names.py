"""Domains queue jobs by name (they never import `jobs`): every job name written in the product code must import
and be callable, so a renamed job function fails here, in CI, not in production."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB_NAME = re.compile(r"^jobs\.[a-z_]+(\.[a-z_]+)+$")


def job_names(root: Path) -> dict[str, str]:
    """Every string constant in the code under `root` that reads like a job name → where it stands."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and JOB_NAME.match(node.value):
                found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def unresolved(names: dict[str, str]) -> list[str]:
    problems = []
    for name, where in names.items():
        module, _, attribute = name.rpartition(".")
        try:
            target = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            problems.append(f"{where}: {name} does not exist")
            continue
        if not callable(target):
            problems.append(f"{where}: {name} is not callable")
    return problems


def test_every_job_a_domain_queues_by_name_exists():
    names = job_names(ROOT / "miniapp_api")
    assert len(names) >= 7          # the outbox send, events, content checks, policies, files, batches
    assert unresolved(names) == []


def test_the_check_finds_a_renamed_job():
    assert unresolved({"jobs.notifications.send_notificaton": "here:1", "jobs.nowhere.run": "here:2"}) == [
        "here:1: jobs.notifications.send_notificaton does not exist", "here:2: jobs.nowhere.run does not exist"]
