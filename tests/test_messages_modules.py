"""Every module of Chinese strings (messages.py) names each string once: a second assignment of one name
silently replaces the first (a policy-rule label once replaced the booking-rule labels of the centre page)."""

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_messages_module_assigns_one_name_twice():
    modules = sorted((ROOT / "miniapp_api").rglob("messages.py"))
    assert len(modules) > 10
    twice = {}
    for module in modules:
        names = Counter(target.id for node in ast.parse(module.read_text()).body if isinstance(node, ast.Assign)
                        for target in node.targets if isinstance(target, ast.Name))
        repeated = sorted(name for name, count in names.items() if count > 1)
        if repeated:
            twice[str(module.relative_to(ROOT))] = repeated
    assert twice == {}
