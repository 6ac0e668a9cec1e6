"""批量办理 member lists, as a company sends them: CSV or XLSX (openpyxl), one member per row.

People (140 operators): 姓名, 身份证号, and optionally 手机号. Businesses (30 branches): 分支机构名称,
统一社会信用代码. The whole list is checked before anything is created; every problem is reported by its row (the
header is row 1) and column, in Chinese.

Rows are read one at a time and never past MAX_ROWS × MAX_COLUMNS, whatever the file declares: openpyxl's
read-only reader pads every row to the sheet's declared dimension, so a 1.4 KB XLSX declaring A1:XFD1048576 would
otherwise have it build 17 billion cells. The declared dimension and the unzipped size are only checked against
the caps (a file beyond them is refused, naming them); nothing is sized from them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from miniapp_api.applications import messages
from miniapp_api.applications.services import Applicant
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.privacy import credit_code_is_valid, id_number_is_valid, mobile_is_valid

LIST_INVALID = "member_list_invalid"
MAX_MEMBERS = 2000
MAX_REPORTED = 100
# The part of a sheet that is read: the header and MAX_MEMBERS rows with room for blank and note rows, and far
# more columns than the three a list needs. A cell with content past them refuses the list (it would be lost).
MAX_ROWS = 5000
MAX_COLUMNS = 50
# What an XLSX may unzip to, by the sizes its zip directory declares (zipfile stops reading a part at its
# declared size): sheet XML compresses about 10×, so a list within the console's 900 KB upload unzips to a few
# MB; a zip bomb declares far more.
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
COLUMNS = {"person": ("姓名", "身份证号", "手机号"), "business": ("分支机构名称", "统一社会信用代码")}
REQUIRED = {"person": ("姓名", "身份证号"), "business": ("分支机构名称", "统一社会信用代码")}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


class MemberListInvalid(DomainError):
    code, status = LIST_INVALID, 422

    def __init__(self, problems: list[Problem], message: str | None = None):
        self.problems = problems
        super().__init__(message or messages.MEMBER_LIST_INVALID.format(count=len(problems)), code=LIST_INVALID,
                         status=422, fields={f"第{p.row}行 {p.column}": p.message for p in problems[:MAX_REPORTED]})


def _too_large() -> MemberListInvalid:
    return MemberListInvalid([], messages.MEMBER_LIST_SHEET_TOO_LARGE.format(rows=MAX_ROWS, columns=MAX_COLUMNS))


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    """The first sheet's rows, read lazily and never past row MAX_ROWS + 1 or column MAX_COLUMNS + 1 (one beyond
    each cap, so content just past it is seen)."""
    # openpyxl (~4 MB a process) is imported by the few requests that upload a list, not by every web worker.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        if sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(data)).infolist()) > MAX_UNZIPPED_BYTES:
            raise _too_large()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            if (sheet.max_row or 0) > MAX_ROWS or (sheet.max_column or 0) > MAX_COLUMNS:
                raise _too_large()
            yield from sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        finally:
            book.close()
    # SyntaxError: ElementTree's ParseError, for a sheet whose XML is broken.
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError):
        raise MemberListInvalid([], messages.MEMBER_LIST_UNREADABLE) from None


def _csv_rows(data: bytes) -> Iterator[Sequence[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MemberListInvalid([], messages.MEMBER_LIST_NOT_UTF8) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:
        raise MemberListInvalid([], messages.MEMBER_LIST_UNREADABLE) from None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _rows(filename: str, data: bytes) -> Iterator[list[str]]:
    """Rows of cells as text, one at a time, from XLSX (by its zip signature) or CSV (UTF-8, with or without BOM),
    cut to MAX_COLUMNS; content past row MAX_ROWS or column MAX_COLUMNS refuses the list."""
    xlsx = data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")
    for number, row in enumerate(_xlsx_rows(data) if xlsx else _csv_rows(data), start=1):
        cells = [_text(v) for v in islice(row, MAX_COLUMNS)]
        if any(_text(v) for v in islice(row, MAX_COLUMNS, None)) or (number > MAX_ROWS and any(cells)):
            raise _too_large()
        if number <= MAX_ROWS:
            yield cells


def parse(filename: str, data: bytes, kind: str) -> list[Applicant]:
    """Every member of the list, or MemberListInvalid naming every bad cell (nothing is created from it)."""
    rows = (row for row in _rows(filename, data) if any(row))
    header = next(rows, None)
    if header is None:
        raise MemberListInvalid([], messages.MEMBER_LIST_EMPTY)
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise MemberListInvalid([Problem(1, c, messages.MEMBER_LIST_COLUMN_MISSING.format(column=c)) for c in missing])
    index = {c: header.index(c) for c in COLUMNS[kind] if c in header}
    problems: list[Problem] = []
    members: list[Applicant] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(rows, start=2):
        if row_number - 1 > MAX_MEMBERS:
            raise MemberListInvalid([], messages.MEMBER_LIST_TOO_LONG.format(max=MAX_MEMBERS))
        cell = {c: (row[i] if i < len(row) else "") for c, i in index.items()}
        for column in REQUIRED[kind]:
            if not cell[column]:
                problems.append(Problem(row_number, column, messages.MEMBER_CELL_EMPTY.format(column=column)))
        name = cell[REQUIRED[kind][0]]
        if len(name) > 40:
            problems.append(Problem(row_number, REQUIRED[kind][0], messages.MEMBER_NAME_TOO_LONG))
        key_column = REQUIRED[kind][1]
        key = cell[key_column].upper()
        if key:
            valid = id_number_is_valid(key) if kind == "person" else credit_code_is_valid(key)
            if not valid:
                problems.append(Problem(row_number, key_column, messages.MEMBER_KEY_INVALID.format(column=key_column)))
            elif key in seen:
                problems.append(Problem(row_number, key_column,
                                        messages.MEMBER_DUPLICATE.format(column=key_column, row=seen[key])))
            else:
                seen[key] = row_number
        phone = cell.get("手机号", "")
        if phone and not mobile_is_valid(phone):
            problems.append(Problem(row_number, "手机号", messages.MEMBER_PHONE_INVALID))
        members.append(Applicant("person", name, id_number=key, phone=phone or None) if kind == "person"
                       else Applicant("business", name, credit_code=key))
    if problems:
        raise MemberListInvalid(problems)
    return members
