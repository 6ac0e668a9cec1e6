"""CSV imports staff upload (licences, businesses): every row checked first, every bad one reported by its line
(the header is line 1), all rows or none. The domain parses a row and says what is wrong in its own words."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from miniapp_api.platform.errors import DomainError

CSV_INVALID = "csv_invalid"
MAX_REPORTED = 100


def rows_of(text: str, required: Iterable[str], *, missing_header: str, broken: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for every non-empty row, cells trimmed; a missing column or a broken file is refused."""
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            message = missing_header.format(columns="、".join(missing))
            raise DomainError(message, code=CSV_INVALID, status=422, fields={"line 1": message})
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if any(row.values()):
                rows.append((line, row))
        return rows
    except csv.Error:   # stray quotes, bare carriage returns: a clear refusal, not a crash
        raise DomainError(broken, code=CSV_INVALID, status=422, fields={"csv": broken}) from None


def check_cells(row: dict[str, str], required: Iterable[str], limits: dict[str, int], *, empty: str,
                too_long: str) -> None:
    """The cells every row must fill, and the longest each may be (messages name the column)."""
    for column in required:
        if not row.get(column):
            raise ValueError(empty.format(column=column))
    for column, limit in limits.items():
        if len(row.get(column) or "") > limit:
            raise ValueError(too_long.format(column=column))


def parse_all(rows: list[tuple[int, dict[str, str]]], parse: Callable[[dict[str, str]], dict[str, Any]],
              key: Callable[[dict[str, Any]], Hashable], *, duplicate: str) -> tuple[list[dict], dict[Hashable, int],
                                                                                     dict[str, str]]:
    """Each row parsed (ValueError: its message against the line), duplicates of an earlier line refused."""
    parsed, seen, errors = [], {}, {}
    for line, row in rows:
        try:
            values = parse(row)
        except ValueError as exc:
            errors[f"line {line}"] = str(exc)
            continue
        if key(values) in seen:
            errors[f"line {line}"] = duplicate.format(line=seen[key(values)])
            continue
        seen[key(values)] = line
        parsed.append(values)
    return parsed, seen, errors


def refuse(errors: dict[str, str], *, summary: str, parsed: list, empty: str) -> None:
    """Nothing is saved when any line is wrong (the first MAX_REPORTED, in line order) or nothing is there."""
    if errors:
        ordered = dict(sorted(errors.items(), key=lambda item: int(item[0].split()[1])))
        raise DomainError(summary.format(count=len(ordered)), code=CSV_INVALID, status=422,
                          fields=dict(list(ordered.items())[:MAX_REPORTED]), error_count=len(ordered))
    if not parsed:
        raise DomainError(empty, code=CSV_INVALID, status=422, fields={"csv": empty})
