"""Plain words (issue 35): the glossary in miniprogram/utils/glossary.js is the one place administrative terms are
explained, and no citizen-facing text (the mini-program's WXML and page code, the browser simulator, the server's
citizen messages) shows a term's raw form that the glossary rules out (容缺受理, 可容缺, 居民点单, 仅站内消息 ...)."""

import json
import re

from config.settings import PROJECT_ROOT
from miniapp_api.applications import messages as application_messages
from miniapp_api.feedback import messages as feedback_messages
from miniapp_api.notifications import messages as notification_messages

MINIPROGRAM = PROJECT_ROOT / "miniprogram"
GLOSSARY_FILE = MINIPROGRAM / "utils" / "glossary.js"
SIMULATOR = PROJECT_ROOT / "miniapp_api" / "simulator" / "static"
MP_RUNTIME = PROJECT_ROOT / "miniapp_api" / "simulator" / "mp" / "runtime.js"   # the phone's own words (sheets, 返回)

# Comments and string literals of a script, in source order (a comment may hold jargon: only strings are shown).
JS_TOKENS = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`(?:\\.|[^`\\])*`', re.S)


def glossary() -> dict:
    source = GLOSSARY_FILE.read_text(encoding="utf-8")
    return json.loads(re.search(r"var GLOSSARY = (\{.*?\n  \});", source, re.S).group(1))


def never_forms() -> set[str]:
    return {form for entry in glossary().values() for form in entry.get("never", [])}


def script_strings(source: str) -> list[str]:
    return [token for token in JS_TOKENS.findall(source) if not token.startswith(("//", "/*"))]


def wxml_text(source: str) -> str:
    return re.sub(r"<!--.*?-->", "", source, flags=re.S)


def raw_terms(texts: dict[str, list[str]], forms: set[str]) -> list[str]:
    return sorted(f"{where}: {form} in {text[:60]!r}" for where, strings in texts.items() for text in strings
                  for form in forms if form in text)


def citizen_texts() -> dict[str, list[str]]:
    """Every string a citizen can be shown by the clients, by file (the glossary itself excepted)."""
    texts: dict[str, list[str]] = {}
    for path in sorted(MINIPROGRAM.glob("pages/**/*.wxml")):
        texts[str(path.relative_to(PROJECT_ROOT))] = [wxml_text(path.read_text(encoding="utf-8"))]
    for path in sorted([*MINIPROGRAM.glob("pages/**/*.js"), *MINIPROGRAM.glob("utils/*.js"), MINIPROGRAM / "app.js",
                        *SIMULATOR.glob("*.js"), MP_RUNTIME]):
        if path != GLOSSARY_FILE:
            texts[str(path.relative_to(PROJECT_ROOT))] = script_strings(path.read_text(encoding="utf-8"))
    for path in MINIPROGRAM.glob("pages/**/*.json"):
        texts[str(path.relative_to(PROJECT_ROOT))] = [path.read_text(encoding="utf-8")]
    for path in sorted(SIMULATOR.glob("*.html")):
        texts[str(path.relative_to(PROJECT_ROOT))] = [path.read_text(encoding="utf-8")]
    return texts


def test_every_glossary_entry_has_a_term_plain_words_and_an_explanation():
    entries = glossary()
    for key in ("deferred", "filed", "in_app_only", "promise", "correction", "bundle", "once_one_rating", "rating",
                "assistance", "inspection", "certificate", "completed", "accepted", "pre_review", "booking_for_others"):
        assert key in entries, key
    for key, entry in entries.items():
        assert entry["term"] and entry["plain"] and entry["explain"], key
        # The plain words and the explanation never use a form the glossary rules out.
        assert raw_terms({key: [entry["plain"], entry["explain"]]}, never_forms()) == []
    assert entries["deferred"]["plain"] == "材料可以以后补交"


def test_the_scan_finds_jargon_in_strings_and_wxml_but_not_in_comments():
    script = '// 容缺受理 explained in a comment\nvar a = "可容缺"; /* 居民点单 */ var b = \'ok\'; var c = `仅站内消息`;'
    assert script_strings(script) == ['"可容缺"', "'ok'", "`仅站内消息`"]
    found = raw_terms({"x.js": script_strings(script), "x.wxml": [wxml_text("<!-- 点单 --><text>居民点单</text>")]},
                      never_forms())
    assert {line.split(" in ")[0] for line in found} == {"x.js: 容缺", "x.js: 站内消息", "x.wxml: 点单", "x.wxml: 居民点单"}


def test_no_page_of_the_mini_program_or_the_simulator_shows_a_raw_term():
    texts = citizen_texts()
    assert any(path.endswith("pages/book/index.wxml") for path in texts)
    assert {"miniapp_api/simulator/mp/runtime.js", "miniapp_api/simulator/static/mp.html"} <= set(texts)
    assert raw_terms(texts, never_forms()) == []


def test_the_servers_citizen_messages_use_the_plain_words():
    """What the API and the WeChat messages tell a citizen (staff keep their own terms in the console)."""
    entries = glossary()
    citizen = {
        "applications.CITIZEN_STATUS_NAMES": list(application_messages.CITIZEN_STATUS_NAMES.values()),
        "applications.STATUS_PHRASES": list(application_messages.STATUS_PHRASES.values()),
        "applications.STATUS_WHAT": list(application_messages.STATUS_WHAT.values()),
        "applications.EVENT_NAMES": list(application_messages.EVENT_NAMES.values()),
        "applications.bodies": [application_messages.BODY_MATERIALS, application_messages.TITLE_MATERIALS,
                                application_messages.TIP_MATERIALS, application_messages.BODY_STATUS],
        "feedback.EVENT_NAMES": list(feedback_messages.EVENT_NAMES.values()),
        "feedback.STATUS_NAMES": list(feedback_messages.STATUS_NAMES.values()),
        "notifications.PUSH_STATUS_NAMES": list(notification_messages.PUSH_STATUS_NAMES.values()),
        "notifications.KIND_NAMES": list(notification_messages.KIND_NAMES.values()),
    }
    assert raw_terms(citizen, never_forms()) == []
    assert application_messages.CITIZEN_STATUS_NAMES["accepted_pending_materials"].endswith(entries["deferred"]["plain"])
    assert feedback_messages.EVENT_NAMES["filed"] == entries["filed"]["plain"]
    assert feedback_messages.EVENT_NAMES["assigned"] == entries["taken"]["plain"]
    assert feedback_messages.EVENT_NAMES["rated"] == entries["rated"]["plain"]
    assert notification_messages.PUSH_STATUS_NAMES["skipped"] == entries["in_app_only"]["plain"]
    # Staff still read the official term.
    assert application_messages.STATUS_NAMES["accepted_pending_materials"] == entries["deferred"]["term"]
