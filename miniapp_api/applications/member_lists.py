"""批量办理 member lists, as a company sends them: CSV or XLSX (openpyxl), one member per row.

People (140 operators): 姓名, 身份证号, and optionally 手机号. Businesses (30 branches): 分支机构名称,
统一社会信用代码. The whole list is checked before anything is created; every problem is reported by its row (the
header is row 1) and column, in Chinese.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from miniapp_api.applications import messages
from miniapp_api.applications.services import Applicant
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.privacy import credit_code_is_valid, id_number_is_valid, mobile_is_valid

LIST_INVALID = "member_list_invalid"
MAX_MEMBERS = 2000
MAX_REPORTED = 100
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


def _table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells as text, from XLSX (by its zip signature) or CSV (UTF-8, with or without BOM)."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, IndexError):
            raise MemberListInvalid([], messages.MEMBER_LIST_UNREADABLE) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MemberListInvalid([], messages.MEMBER_LIST_NOT_UTF8) from None
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        raise MemberListInvalid([], messages.MEMBER_LIST_UNREADABLE) from None


def parse(filename: str, data: bytes, kind: str) -> list[Applicant]:
    """Every member of the list, or MemberListInvalid naming every bad cell (nothing is created from it)."""
    table = [row for row in _table(filename, data) if any(row)]
    if not table:
        raise MemberListInvalid([], messages.MEMBER_LIST_EMPTY)
    header = table[0]
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise MemberListInvalid([Problem(1, c, messages.MEMBER_LIST_COLUMN_MISSING.format(column=c)) for c in missing])
    if len(table) - 1 > MAX_MEMBERS:
        raise MemberListInvalid([], messages.MEMBER_LIST_TOO_LONG.format(max=MAX_MEMBERS))
    index = {c: header.index(c) for c in COLUMNS[kind] if c in header}
    problems: list[Problem] = []
    members: list[Applicant] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(table[1:], start=2):
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
