"""Chinese text for search: normalising, cutting into terms, and the weighted tsvector built from them.

Why bigrams and not a segmenter: a citizen's words (社保, 户口, 饭馆) are mostly two characters, and every
two-character word of a text is one of its overlapping bigrams, so bigrams find them without a dictionary
(jieba's takes ~50 MB per process and misses the local words a segmenter was never taught). PostgreSQL's
parsers do not cut Chinese, so the tsvector and tsquery are written here as literals (`'社保':1A`), never
parsed by `to_tsvector`.

Weights follow PostgreSQL's letters: A the title or question, B variants and linked names, C the answer
and guide text, D pinyin. A term keeps its strongest weight.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable

# zhconv reads its dictionary through pkg_resources when that imports (~4 MB in every web worker, and
# deprecated), else straight from the file beside it: it is made not to import here (sys.modules None).
if "pkg_resources" in sys.modules:
    import zhconv
else:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import zhconv
    finally:
        del sys.modules["pkg_resources"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_KEEP = re.compile(rf"[^{_CJK}a-z0-9]+")
ASCII_QUERY = re.compile(r"^[a-z]+$")
WEIGHT_ORDER = "ABCD"

# Bigrams of how people ask rather than of what they ask about: left out of queries, so 我想问一下社保
# weighs the same as 社保. Only whole bigrams of filler words, never ones that can be part of a subject.
STOP_TERMS = frozenset("""
我想 想要 想问 一下 请问 怎么 怎样 如何 什么 可以 能不 能否 需要 应该 是不 不是 有没 一个 我们 你们
的话 请教 麻烦 谢谢 您好 你好 现在 知道 告诉 帮我 给我 我的 我要 我该 然后 已经 这个 那个 这样
""".split())

# Bigrams of what kind of answer is wanted (when, how long, what to bring, lost, expired) rather than what it
# is about: they rank entries of one subject (多久 picks the time-limit entry), but a question sharing only
# them with an entry (社保卡丢了 vs 房产证丢了) is not answered by it, so they weigh a third.
INTENT_TERMS = frozenset("""
时候 多久 几天 多长 长时 时间 多少 少钱 哪里 在哪 哪儿 去哪 丢了 遗失 补办 到期 过期 收费 要钱 花钱 材料 资料 要带
带什 带啥 些啥 咋办 咋弄 怎办 办啥 啥手 手续 流程 条件 能不 可不 行不 要不 需不 有没 没有 啥用 怎么
""".split())
INTENT_WEIGHT = 0.35


def normalize(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; punctuation and emoji become spaces."""
    folded = zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn").lower()
    return " ".join(_KEEP.sub(" ", folded).split())


def runs(text: str) -> list[str]:
    """The Chinese and the ASCII stretches of already normalised text."""
    return _RUNS.findall(text)


def bigrams(text: str) -> list[str]:
    """Every overlapping pair of a Chinese run (a lone character stays itself); ASCII words whole."""
    terms: list[str] = []
    for run in runs(text):
        if run.isascii() or len(run) == 1:
            terms.append(run)
        else:
            terms.extend(run[i:i + 2] for i in range(len(run) - 1))
    return terms


def characters(text: str) -> set[str]:
    return {ch for run in runs(text) if not run.isascii() for ch in run}


def without_fillers(text: str) -> str:
    """Filler words become word breaks (社保卡丢了怎么补办 → 社保卡丢了 补办), so no bigram straddles one."""
    pieces: list[str] = []
    for run in runs(text):
        if run.isascii():
            pieces.append(run)
            continue
        current, position = "", 0
        while position < len(run):
            if run[position:position + 2] in STOP_TERMS:
                pieces.append(current)
                current, position = "", position + 2
            else:
                current, position = current + run[position], position + 1
        pieces.append(current)
    return " ".join(p for p in pieces if p)


def query_terms(text: str) -> list[str]:
    """A query's terms in order, once each, with the filler words cut out; a character left alone between
    fillers (问 of 我想问一下) is dropped when the query has words."""
    pieces = without_fillers(text).split()
    if any(len(p) > 1 for p in pieces):
        pieces = [p for p in pieces if len(p) > 1 or p.isascii()]
    return list(dict.fromkeys(bigrams(" ".join(pieces))))


class TermWeights:
    """Term → strongest weight letter of one document, built field by field."""

    def __init__(self) -> None:
        self.weights: dict[str, str] = {}

    def add(self, weight: str, texts: Iterable[str | None], *, with_characters: bool = False) -> TermWeights:
        for raw in texts:
            if not raw:
                continue
            text = normalize(raw)
            terms = bigrams(text) + (sorted(characters(text)) if with_characters else [])
            for term in terms:
                current = self.weights.get(term)
                if current is None or WEIGHT_ORDER.index(weight) < WEIGHT_ORDER.index(current):
                    self.weights[term] = weight
        return self

    def add_terms(self, weight: str, terms: Iterable[str]) -> TermWeights:
        for term in terms:
            self.weights.setdefault(term, weight)
        return self

    def tsvector(self, letters: str = WEIGHT_ORDER) -> str:
        """The tsvector literal of the terms weighted `letters`: one position per term carrying its weight
        (positions are not used)."""
        chosen = sorted((term, weight) for term, weight in self.weights.items() if weight in letters)
        return " ".join(f"'{term}':{position}{weight}" for position, (term, weight) in enumerate(chosen, start=1))


def tsquery_any(terms: Iterable[str], *, prefix: bool = False) -> str:
    """`'a' | 'b'` (terms hold only Chinese characters, letters and digits: nothing to escape)."""
    suffix = ":*" if prefix else ""
    return " | ".join(f"'{term}'{suffix}" for term in terms)
