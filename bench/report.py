"""Print the figures of one bench/run (JSON lines) as one Markdown table, each beside its reference."""

from __future__ import annotations

import json
import sys


def row(figure: dict) -> str:
    name = figure["figure"]
    subject = figure.get("subject_result") or {}
    reference = figure.get("reference_result") or {}
    if subject:
        measured = f"{subject.get('rps')} req/s, p99 {subject.get('p99_ms')} ms"
        against = f"{reference.get('rps')} req/s"
    elif "rate" in figure:
        measured, against = f"{figure['rate']} /s", f"{figure.get('reference_rate')} /s"
    elif "p95_ms" in figure:
        measured = f"p95 {figure['p95_ms']} ms, top-1 {figure['top1']:.1%}, top-3 {figure['top3']:.1%}"
        against = f"p95 {figure['reference_p95_ms']} ms"
    elif "messages_per_second" in figure:
        measured = f"{figure['messages_per_second']} msg/s, {figure['duplicates']} duplicates, {figure['lost']} lost"
        against = f"{figure.get('reference_rate')} msg/s"
    else:
        measured = f"{figure.get('chunk_query_ms', '')} ms" if "chunk_query_ms" in figure else ""
        against = f"{figure.get('due_count_full_scan_ms', '')} ms" if "due_count_full_scan_ms" in figure else ""
    ratio = figure.get("ratio")
    target = figure.get("target_ratio")
    if target is None and "target_p95_ms" in figure:
        target = f"p95 ≤ {figure['target_p95_ms']:g} ms"
    meets = figure.get("meets_target")
    if meets is None and ratio is not None and target is not None:
        meets = ratio >= target
    verdict = {True: "met", False: "NOT met"}.get(meets, "–")
    return f"| {name} | {measured} | {against} | {ratio if ratio is not None else '–'} | " \
           f"{target if target is not None else '–'} | {verdict} |"


def _figure(line: str) -> dict | None:
    """A figure line, or None for anything else that reached the file (a stray log line, half a line)."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "figure" in value else None


def main() -> None:
    figures = [figure for figure in map(_figure, sys.stdin) if figure is not None]
    print("| figure | measured | reference (same run) | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    for figure in figures:
        print(row(figure))


if __name__ == "__main__":
    main()
