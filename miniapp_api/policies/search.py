"""Finding policies in a citizen's own words, with the guidance search's text machinery (the same
normalisation, bigrams and filler words): 我是残疾人有什么补贴 finds 重度残疾人护理补贴.

Each published item carries a tsvector literal of its bigrams (PostgreSQL's parsers do not cut Chinese):
title, benefit, category and department, its document's title and 白话解读. A GIN index finds the candidates
holding any query term; they are ranked by the share of the query's terms they hold (the words of what is
asked about, not of how: 多久, 材料 and the like are left out) — a term in the item's own title, benefit,
category or department counts whole, one only its document holds (shared by its other items) a third —
and below 40 % nothing is offered.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from miniapp_api.guidance.text import INTENT_TERMS, TermWeights, normalize, query_terms, tsquery_any
from miniapp_api.policies.models import PolicyDocument, PolicyItem

MIN_COVERAGE = 0.4
DOCUMENT_WEIGHT = 0.3       # a term only the document's title or 白话解读 holds (shared by all its items)
CANDIDATES = 200
MAX_TERMS = 12


def search_vector(item: PolicyItem, document: PolicyDocument) -> str:
    return (TermWeights().add("A", [item.title]).add("B", [item.benefit, item.category, item.owner_department])
            .add("C", [document.title, document.summary]).tsvector())


def terms_of(query: str) -> list[str]:
    return [t for t in query_terms(normalize(query)) if t not in INTENT_TERMS][:MAX_TERMS]


def find(session: Session, query: str, today: date, *, limit: int) -> list[tuple[int, float]]:
    """(item id, coverage) of the items in force holding enough of the query's terms, best first."""
    terms = terms_of(query)
    if not terms:
        return []
    held = " + ".join(f"CASE WHEN ts_filter(i.search_vector, '{{a,b}}') @@ CAST(:t{k} AS tsquery) THEN 1 "
                      f"WHEN i.search_vector @@ CAST(:t{k} AS tsquery) THEN {DOCUMENT_WEIGHT} ELSE 0 END"
                      for k in range(len(terms)))
    sql = text(f"""
        SELECT id, coverage FROM (
            SELECT i.id, i.published_at, CAST(({held}) AS float) / :n AS coverage
            FROM policy_item i
            WHERE i.search_vector @@ CAST(:any AS tsquery) AND i.status = 'published'
              AND i.valid_from <= :today AND i.valid_until >= :today
            LIMIT {CANDIDATES}) c
        WHERE coverage >= :least ORDER BY coverage DESC, published_at DESC, id DESC LIMIT :limit""")
    params = {f"t{k}": f"'{term}'" for k, term in enumerate(terms)}
    rows = session.execute(sql, {**params, "n": len(terms), "any": tsquery_any(terms), "today": today,
                                 "least": MIN_COVERAGE, "limit": limit}).all()
    return [(row.id, row.coverage) for row in rows]


def found_items(session: Session, query: str, today: date, *, limit: int) -> list[PolicyItem]:
    ids = [item_id for item_id, _ in find(session, query, today, limit=limit)]
    items = {i.id: i for i in session.scalars(select(PolicyItem).where(PolicyItem.id.in_(ids)))}
    return [items[i] for i in ids if i in items]
