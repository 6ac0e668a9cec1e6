"""The README is the front door and docs/ is behind it: every relative link resolves, every domain package has
its page, every page is reachable from the README, and the README stays short.

Each check is a plain function over text, so the tests at the end can show it catching a made-up break."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_layers import DOMAINS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 250

# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md")), ROOT / "bench" / "README.md"]


def link_targets(markdown: str) -> list[str]:
    """Every link target in the text, code blocks and code spans left out (they show syntax, not links)."""
    prose = CODE_SPAN.sub("", FENCE.sub("", markdown))
    return LINK.findall(prose)


def broken_links(markdown: str, base: Path) -> list[str]:
    """Relative link targets (anchors stripped) that name no existing file or folder under `base`."""
    broken = []
    for target in link_targets(markdown):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue   # http(s), mailto: ... and links within the page
        path = target.split("#", 1)[0].split("?", 1)[0]
        if not (base / path).exists():
            broken.append(target)
    return broken


def pages_missing_for(domains: set[str], docs: Path) -> list[str]:
    return sorted(domain for domain in domains if not (docs / f"{domain}.md").is_file())


def pages_not_linked(markdown: str, base: Path, pages: list[Path]) -> list[str]:
    """Pages no link in the text (resolved against `base`) points at."""
    linked = {(base / target.split("#", 1)[0]).resolve() for target in link_targets(markdown)
              if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("#")}
    return sorted(page.name for page in pages if page.resolve() not in linked)


def too_long(markdown: str, limit: int) -> int | None:
    lines = len(markdown.splitlines())
    return lines if lines > limit else None


# ---------------------------------------------------------------------------------------------- the docs

def test_every_relative_link_resolves():
    broken = {str(doc.relative_to(ROOT)): found for doc in documents()
              if (found := broken_links(doc.read_text(encoding="utf-8"), doc.parent))}
    assert broken == {}


def test_every_domain_package_has_its_page():
    assert pages_missing_for(DOMAINS, DOCS) == []


def test_every_docs_page_is_linked_from_the_readme():
    assert pages_not_linked(README.read_text(encoding="utf-8"), ROOT, sorted(DOCS.glob("*.md"))) == []


def test_the_readme_is_a_front_door():
    assert too_long(README.read_text(encoding="utf-8"), README_MAX_LINES) is None


def test_the_documents_checked_are_there():
    assert all(doc.is_file() for doc in documents())
    assert len(list(DOCS.glob("*.md"))) >= len(DOMAINS)


# ------------------------------------------------------------------- each check catches what it should

def test_a_broken_link_is_found_and_good_ones_pass(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("# real\n")
    text = ("[ok](docs/real.md) [ok with anchor](docs/real.md#part) [web](https://example.org/x.md) "
            "[here](#top) [gone](docs/missing.md) [gone too](docs/missing.md#part) ![img](docs/none.png)\n"
            "`[not a link](docs/code.md)`\n```\n[nor this](docs/fenced.md)\n```\n")
    assert broken_links(text, tmp_path) == ["docs/missing.md", "docs/missing.md#part", "docs/none.png"]


def test_a_domain_without_its_page_is_found(tmp_path):
    (tmp_path / "appointments.md").write_text("# appointments\n")
    assert pages_missing_for({"appointments", "newdomain"}, tmp_path) == ["newdomain"]


def test_a_page_the_readme_does_not_link_is_found(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    pages = [docs / "linked.md", docs / "orphan.md"]
    for page in pages:
        page.write_text("# page\n")
    text = "[linked](docs/linked.md#x) `[orphan](docs/orphan.md)` [web](https://example.org/docs/orphan.md)\n"
    assert pages_not_linked(text, tmp_path, pages) == ["orphan.md"]


def test_a_readme_over_the_limit_is_found():
    assert too_long("line\n" * README_MAX_LINES, README_MAX_LINES) is None
    assert too_long("line\n" * (README_MAX_LINES + 1), README_MAX_LINES) == README_MAX_LINES + 1
