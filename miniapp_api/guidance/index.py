"""The search index: what each published entry, scenario and item contributes, and the term statistics.

Uses the catalogue (centres) for item names and pinyin: the index describes items in the words citizens use.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.centres.models import ServiceItem
from miniapp_api.centres.services import full_pinyin, pinyin_initials
from miniapp_api.guidance.models import DocKind, GuideDoc, GuideEntry, GuideScenario, GuideTerm, VersionStatus
from miniapp_api.guidance.text import TermWeights, normalize
from miniapp_api.platform.db import lock_for_transaction

DOC_COUNT = "#"
_REBUILD_TERMS = text("""
    INSERT INTO guide_term (term, docs)
    SELECT word, ndoc FROM ts_stat('SELECT vector FROM guide_doc')
    UNION ALL SELECT '#', (SELECT count(*) FROM guide_doc)
""")


def _pinyin(names: Iterable[str]) -> list[str]:
    """Initials and full pinyin of each name, and of its part before a bracket (营业执照（设立登记） → yyzz too)."""
    terms: list[str] = []
    for name in names:
        core = normalize(name.split("（")[0].split("(")[0]).replace(" ", "")
        whole = normalize(name).replace(" ", "")
        for part in {core, whole}:
            if part:
                terms.extend(t for t in (pinyin_initials(part), full_pinyin(part)) if t)
    return terms


def item_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    return dict(session.execute(select(ServiceItem.code, ServiceItem.name).where(ServiceItem.code.in_(codes))
                                ).tuples().all()) if codes else {}


def scenario_titles(session: Session, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    return dict(session.execute(select(GuideScenario.code, GuideScenario.title).where(
        GuideScenario.code.in_(codes), GuideScenario.status == VersionStatus.PUBLISHED)).tuples().all()) if codes else {}


def entry_weights(entry: GuideEntry, items: dict[str, str], scenarios: dict[str, str]) -> TermWeights:
    linked = [items[c] for c in entry.item_codes if c in items] + [scenarios[c] for c in entry.scenario_codes
                                                                     if c in scenarios]
    return (TermWeights().add("A", [entry.question], with_characters=True)
            .add("B", entry.variants, with_characters=True)
            .add("C", [*linked, entry.answer])
            .add_terms("D", _pinyin([entry.question])))


def scenario_weights(scenario: GuideScenario, items: dict[str, str]) -> TermWeights:
    outcome_names = [items[o["item"]] for o in scenario.outcomes if o.get("item") in items]
    return (TermWeights().add("A", [scenario.title], with_characters=True)
            .add("B", [scenario.summary, *outcome_names], with_characters=True)
            .add("C", [q["text"] for q in scenario.questions])
            .add_terms("D", _pinyin([scenario.title])))


def item_weights(item: ServiceItem) -> TermWeights:
    guide = item.guide or {}
    unbracketed = item.name.replace("（", "").replace("）", "")     # typed as one word: 食品经营许可证延续
    return (TermWeights().add("A", [item.name, unbracketed], with_characters=True)
            .add("B", [item.category, guide.get("what_you_get")], with_characters=True)
            .add("C", [guide.get("short"), guide.get("who_can_apply"), *guide.get("steps", []),
                       *(m["name"] for m in item.materials)])
            .add_terms("D", _pinyin([item.name])))


def _doc_values(kind: DocKind, ref: str, title: str, audience: str, owner: int | None, weights: TermWeights) -> dict:
    return {"kind": kind, "ref": ref, "title": title, "audience": audience, "owner_centre_id": owner,
            "weights": weights.weights, "vector": weights.tsvector(), "title_vector": weights.tsvector("AB")}


def entry_doc(entry: GuideEntry, items: dict[str, str], scenarios: dict[str, str], audience: str) -> dict:
    return _doc_values(DocKind.ENTRY, entry.code, entry.question, audience, entry.owner_centre_id,
                       entry_weights(entry, items, scenarios))


def scenario_doc(scenario: GuideScenario, items: dict[str, str]) -> dict:
    return _doc_values(DocKind.SCENARIO, scenario.code, scenario.title, scenario.audience, scenario.owner_centre_id,
                       scenario_weights(scenario, items))


def item_doc(item: ServiceItem) -> dict:
    return _doc_values(DocKind.ITEM, item.code, item.name, item.audience, item.owner_centre_id, item_weights(item))


def write_docs(session: Session, docs: list[dict]) -> None:
    """Insert or replace documents (by kind and ref), then refresh the term statistics once."""
    for start in range(0, len(docs), 1000):
        statement = insert(GuideDoc).values(docs[start:start + 1000])
        session.execute(statement.on_conflict_do_update(
            constraint="uq_guide_doc_kind_ref",
            set_={c: statement.excluded[c] for c in ("title", "audience", "owner_centre_id", "weights", "vector",
                                                    "title_vector")}))
    refresh_terms(session)


def drop_doc(session: Session, kind: DocKind, ref: str) -> None:
    session.execute(delete(GuideDoc).where(GuideDoc.kind == kind, GuideDoc.ref == ref))
    refresh_terms(session)


def refresh_terms(session: Session) -> None:
    """Document frequencies from the index itself (ts_stat), under a lock so two publishers take turns."""
    lock_for_transaction(session, "guide-terms")
    session.execute(delete(GuideTerm))
    session.execute(_REBUILD_TERMS)


def entry_audience(items: dict[str, str], item_audiences: dict[str, str]) -> str:
    audiences = {item_audiences[c] for c in items if c in item_audiences}
    return audiences.pop() if len(audiences) == 1 else "all"
