"""Every text field of the mini-program says its limit: each <input> and <textarea> carries a maxlength (the
server's own limit), and each <textarea> — free text, where the limit is met — shows a counter right after it."""

import re

from config.settings import PROJECT_ROOT

PAGES = PROJECT_ROOT / "miniprogram" / "pages"
FIELD = re.compile(r"<(input|textarea)\b[^>]*>", re.S)


def fields():
    for page in sorted(PAGES.rglob("*.wxml")):
        text = page.read_text(encoding="utf-8")
        for match in FIELD.finditer(text):
            yield page.relative_to(PAGES), match, text


def test_every_text_field_has_a_limit():
    found = list(fields())
    assert len(found) > 30
    missing = [f"{page}: {match.group(0)[:80]}" for page, match, _ in found if "maxlength=" not in match.group(0)]
    assert missing == [], "give the field the server's limit (maxlength)"


def test_every_free_text_field_counts_what_is_typed():
    areas = [(page, match, text) for page, match, text in fields() if match.group(1) == "textarea"]
    assert len(areas) >= 8
    uncounted = [f"{page}: {match.group(0)[:80]}" for page, match, text in areas
                 if 'class="counter"' not in text[match.end():match.end() + 200]]
    assert uncounted == [], "show a counter (n/limit 字) right after the textarea"


def test_no_page_asks_for_an_item_code():
    asks = [str(page) for page in PAGES.rglob("*.wxml") if "事项编码" in page.read_text(encoding="utf-8")]
    assert asks == [], "let people pick an item by its name"
