"""Search that understands how citizens ask: candidates from the GIN index, then a score per candidate.

1. The query is normalised (full-width, traditional, case), cut into bigrams, and filler bigrams dropped.
2. Synonym groups the query names add their other words (社保 → 社会保障卡).
3. Candidates: the best (`ts_rank`) of the documents holding a rare term anywhere, and the best of those
   holding a common term in the question or title (A and B, ranked on those alone: a small vector), so the
   work stays bounded however large the index grows; only they are read whole (their term weights).
4. Score: the share of the query's information the document covers. Each term counts by its rarity (idf)
   times where the document holds it (question/title 1.0, variants and linked names 0.8, answer 0.45,
   pinyin 0.3); a term missing but whose characters appear in the title counts a little (one wrong
   character, 营业只照); a synonym's words count for the word they stand for.
The best score is the confidence: below CONFIDENT the answer says so and offers a person.

An all-letters query (yyzz, yingyezhizhao) is pinyin: it matches the prefix of a title's pinyin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from miniapp_api.guidance.index import DOC_COUNT
from miniapp_api.guidance.text import (
    ASCII_QUERY,
    INTENT_TERMS,
    INTENT_WEIGHT,
    bigrams,
    characters,
    normalize,
    query_terms,
    tsquery_any,
)

CONFIDENT = 0.6
FIELD_CREDIT = {"A": 1.0, "B": 0.8, "C": 0.45, "D": 0.3}
TYPO_CREDIT = 0.35
UNKNOWN_TERM_WEIGHT = 2.0       # a term no document holds: a word nothing answers, or two words' seam
RARE_DOCS, RARE_SHARE = 50, 0.01     # a term in at most this many documents finds candidates wherever it is
COMMON_BUDGET = 0.05                  # common terms find candidates until they hold this share of documents
NOTHING = "'#'"                        # a tsquery no document matches ('#' is never a term)
CANDIDATES = 60
KIND_ORDER = {"item": 0, "scenario": 1, "entry": 2}

_SYNONYMS = text("""
    SELECT words FROM guide_synonym
    WHERE status = 'published' AND EXISTS (SELECT 1 FROM unnest(words) AS w WHERE strpos(:q, w) > 0)""")
# Pinyin is how people type an item's or a scenario's name (yyzz): those first, entries only when none match.
_PINYIN = text(f"""
    SELECT kind, ref, title, owner_centre_id, weights FROM guide_doc
    WHERE vector @@ CAST(:tsq AS tsquery) AND (kind = 'entry') = :entries
      AND (CAST(:audience AS text) IS NULL OR audience IN (:audience, 'all'))
    ORDER BY length(title), kind, ref LIMIT {CANDIDATES}""")
_TERM_COUNTS = text("SELECT term, docs FROM guide_term WHERE term = ANY(CAST(:terms AS text[]))")
_CANDIDATES = text(f"""
    WITH rare AS (
        SELECT id, ts_rank('{{0.3, 0.45, 0.8, 1.0}}', vector, CAST(:tsq AS tsquery)) AS rank FROM guide_doc
        WHERE vector @@ CAST(:rare AS tsquery) AND (CAST(:audience AS text) IS NULL OR audience IN (:audience, 'all'))
        ORDER BY rank DESC LIMIT {CANDIDATES}),
    common AS (
        SELECT id, ts_rank('{{0.3, 0.45, 0.8, 1.0}}', title_vector, CAST(:tsq AS tsquery)) AS rank FROM guide_doc
        WHERE title_vector @@ CAST(:common AS tsquery)
          AND (CAST(:audience AS text) IS NULL OR audience IN (:audience, 'all'))
        ORDER BY rank DESC LIMIT {CANDIDATES}),
    candidates AS (SELECT id, max(rank) AS rank FROM (SELECT * FROM rare UNION ALL SELECT * FROM common) AS c
                   GROUP BY id)
    SELECT d.kind, d.ref, d.title, d.owner_centre_id, d.weights
    FROM candidates JOIN guide_doc AS d USING (id)
    ORDER BY candidates.rank DESC, d.kind, d.ref""")



@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    title: str
    owner_centre_id: int | None
    score: float


@dataclass
class Outcome:
    query: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def best_score(self) -> float:
        return self.hits[0].score if self.hits else 0.0

    @property
    def confident(self) -> bool:
        return self.best_score >= CONFIDENT


@dataclass
class _Query:
    terms: list[str]
    chars: list[str]
    synonyms: list[tuple[list[str], list[list[str]]]]      # (terms of the word asked, terms of each other word)
    counts: dict[str, int]
    total: int

    def weight(self, term: str) -> float:
        docs = self.counts.get(term, 0)
        rarity = math.log(1 + self.total / docs) if docs else UNKNOWN_TERM_WEIGHT
        return rarity * INTENT_WEIGHT if term in INTENT_TERMS else rarity

    def char_weight(self, char: str) -> float:
        """A character no title holds is the most informative of all (社保 when no entry speaks of it)."""
        return math.log(1 + self.total / max(self.counts.get(char, 0), 1))


def _credit(term: str, weights: dict[str, str]) -> float:
    letter = weights.get(term)
    if letter is not None:
        return FIELD_CREDIT[letter]
    if len(term) == 2 and not term.isascii():
        titled = [ch for ch in term if weights.get(ch) in ("A", "B")]
        return TYPO_CREDIT * len(titled) / 2 if len(titled) == 1 else 0.0
    return 0.0


def _coverage(query: _Query, terms: list[str], weights: dict[str, str]) -> float:
    total = sum(query.weight(t) for t in terms)
    return sum(query.weight(t) * _credit(t, weights) for t in terms) / total if total else 0.0


def score(query: _Query, weights: dict[str, str]) -> float:
    """Term coverage (what the document says about the query's words) times character coverage of the
    title and variants (what of the question it leaves out: noise bigrams across word boundaries cannot
    lower it, a word the document never mentions does)."""
    credit = {term: _credit(term, weights) for term in query.terms}
    char_credit = {char: 1.0 if weights.get(char) in ("A", "B") else 0.0 for char in query.chars}
    for asked, alternatives in query.synonyms:
        best_alternative = max((_coverage(query, alt, weights) for alt in alternatives), default=0.0)
        for term in asked:
            if term in credit:
                credit[term] = max(credit[term], best_alternative)
            for char in term:
                if char in char_credit:
                    char_credit[char] = max(char_credit[char], best_alternative)
    total = sum(query.weight(t) for t in query.terms)
    if not total:
        return 0.0
    terms = sum(query.weight(t) * credit[t] for t in query.terms) / total
    char_total = sum(query.char_weight(c) for c in query.chars)
    chars = sum(query.char_weight(c) * char_credit[c] for c in query.chars) / char_total if char_total else 1.0
    return round(math.sqrt(terms * chars), 4)


def _pinyin_search(session: Session, letters: str, audience: str | None, limit: int) -> Outcome:
    prefix = tsquery_any([letters], prefix=True)
    rows = session.execute(_PINYIN, {"tsq": prefix, "entries": False, "audience": audience}).all() or \
        session.execute(_PINYIN, {"tsq": prefix, "entries": True, "audience": audience}).all()
    hits = []
    for row in rows:
        pinyin = [term for term, letter in row.weights.items() if letter == "D"]
        exact = letters in pinyin
        if exact or any(term.startswith(letters) for term in pinyin):
            hits.append(Hit(row.kind, row.ref, row.title, row.owner_centre_id, 1.0 if exact else 0.9))
    hits.sort(key=lambda h: (-h.score, KIND_ORDER[h.kind], len(h.title), h.ref))
    return Outcome(letters, hits[:limit])


def search(session: Session, raw: str, *, audience: str | None = None, limit: int = 8) -> Outcome:
    """The documents that answer `raw`, best first."""
    normalised = normalize(raw)
    letters = normalised.replace(" ", "")
    if ASCII_QUERY.match(letters):
        return _pinyin_search(session, letters, audience, limit)
    terms = query_terms(normalised)
    if not terms:
        return Outcome(normalised)
    compact = normalised.replace(" ", "")
    synonyms = []
    for (words,) in session.execute(_SYNONYMS, {"q": compact}):
        asked = [w for w in words if w in compact]
        others = [w for w in words if w not in asked]
        for word in asked:
            synonyms.append(([t for t in bigrams(word) if t in terms], [bigrams(normalize(o)) for o in others]))
    expansion = sorted({t for _, alternatives in synonyms for alt in alternatives for t in alt} - set(terms))
    chars = sorted(characters(" ".join(terms)))
    counts = dict(session.execute(_TERM_COUNTS, {"terms": [*terms, *expansion, *chars, DOC_COUNT]}).tuples().all())
    total = counts.pop(DOC_COUNT, 0)
    query = _Query(terms, chars, synonyms, counts, total)
    known = [t for t in [*terms, *expansion] if counts.get(t)]
    if not known:
        return Outcome(normalised)
    # Candidates: a document holding a rare term anywhere, or a common one in its question or title. Bounds
    # the rows ranked however large the index grows (食品 in 20,000 answers does not make 20,000 candidates).
    rare_limit = max(RARE_DOCS, RARE_SHARE * total)
    rare = [t for t in known if counts[t] <= rare_limit]
    common: list[str] = []
    for term in sorted((t for t in known if counts[t] > rare_limit), key=lambda t: counts[t]):
        if common and sum(counts[t] for t in common) + counts[term] > COMMON_BUDGET * total:
            break               # the rarer common terms find the candidates; 办吗 in every third title does not
        common.append(term)
    rows = session.execute(_CANDIDATES, {"tsq": tsquery_any(known), "rare": tsquery_any(rare) or NOTHING,
                                         "common": tsquery_any(common) or NOTHING, "audience": audience}).all()
    hits = [Hit(row.kind, row.ref, row.title, row.owner_centre_id, score(query, row.weights)) for row in rows]
    # Ties: the item or scenario itself before the entries that speak of it (营业执照 → the item).
    hits.sort(key=lambda h: (-h.score, KIND_ORDER[h.kind], len(h.title), h.ref))
    return Outcome(normalised, [h for h in hits if h.score > 0][:limit])
