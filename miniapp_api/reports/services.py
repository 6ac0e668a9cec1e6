"""Reports (报表) superiors ask for, as Excel workbooks: appointments, cases, feedback, ratings, rectifications and
surveys of some centres over a period (Beijing days), optionally of one item.

Each workbook has a summary sheet (the figures, the filters, when it was made and by which role) and a detail sheet
with Chinese headers, Beijing times and personal data masked. The figures are not computed here: 好评率 and
差评整改率 come from `ratings.stats` (the dashboard's), 回访率 from `surveys.results` (the results page's).

openpyxl's write-only mode streams rows to a temporary file, and the detail is read in chunks by id, so memory
stays bounded however many rows there are. Small exports are answered at once; larger ones are built by a job
(`reports.jobs.build_report`) into the file store, with progress in `report_export`, and downloaded through a
signed link that lapses after 24 hours, when the sweep removes the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from miniapp_api.applications.messages import STATUS_NAMES as APPLICATION_STATUS
from miniapp_api.applications.models import Application
from miniapp_api.appointments.messages import STATUS_NAMES as APPOINTMENT_STATUS
from miniapp_api.appointments.models import Appointment, AppointmentItem
from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.centres.services import items_served
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.feedback.messages import KIND_NAMES as FEEDBACK_KINDS
from miniapp_api.feedback.messages import STATUS_NAMES as FEEDBACK_STATUS
from miniapp_api.feedback.models import Feedback
from miniapp_api.platform.clock import SHANGHAI, local, local_date
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher, mask_id_number, mask_name, mask_phone
from miniapp_api.platform.storage import Storage
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from miniapp_api.ratings.messages import LEVEL_NAMES
from miniapp_api.ratings.messages import STATUS_NAMES as RECTIFICATION_STATUS
from miniapp_api.ratings.models import BAD_LEVELS, Rating, Rectification
from miniapp_api.ratings.stats import rating_stats, rating_totals
from miniapp_api.reports import messages
from miniapp_api.reports.models import ReportExport
from miniapp_api.surveys.models import SurveyAnswer, SurveyInvitation
from miniapp_api.surveys.results import ASKED, response_figures, spreadsheet_safe

KINDS = tuple(messages.HEADERS)
WORKING = ("queued", "running")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BUILD_JOB = "miniapp_api.reports.jobs.build_report"
CHUNK = 1000
LINK_HOURS = 24                     # a made report can be downloaded this long, then the sweep removes it
LINK_SALT = "banshi report link"
MAX_DAYS = 366
STALE_QUEUED = timedelta(minutes=10)   # a job still not started after this was lost on its way to Redis
REPORT_NOT_FOUND = "report_not_found"
REPORT_LINK_EXPIRED = "report_link_expired"
REPORT_STORAGE_UNAVAILABLE = "report_storage_unavailable"
JOB_TIMEOUT = 3600                  # seconds: a year of a city's ratings is a few hundred thousand rows
PERCENT = "0.0%"


@dataclass(frozen=True)
class Filters:
    kind: str
    centre_ids: tuple[int, ...]     # already limited to what the staff member may see
    since: date                      # Beijing days, both included
    until: date
    item_id: int | None = None


@dataclass(frozen=True)
class Names:
    centres: dict[int, str]
    windows: dict[int, str]
    items: dict[int, str]

    def of(self, table: dict[int, str], key: int | None) -> str:
        return table.get(key, messages.NOT_LINKED) if key else ""


def not_found() -> NotFound:
    return NotFound(messages.REPORT_NOT_FOUND, code=REPORT_NOT_FOUND)


def items_of_centres(session: Session, centre_ids: set[int]) -> list[tuple[int, str]]:
    """(id, name) of the items the windows of these centres serve: the item picker's choices."""
    return [(item.id, item.name) for item in items_served(session, centre_ids)]


def _names(session: Session, filters: Filters) -> Names:
    centres = dict(session.execute(select(Centre.id, Centre.name).where(
        Centre.id.in_(filters.centre_ids))).tuples().all())
    windows = dict(session.execute(select(Window.id, Window.name).where(
        Window.centre_id.in_(filters.centre_ids))).tuples().all())
    items = dict(session.execute(select(ServiceItem.id, ServiceItem.name)).tuples().all())
    return Names(centres, windows, items)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)


def _within(column, filters: Filters):
    """A stored UTC moment on one of the period's Beijing days."""
    return and_(column >= _start(filters.since), column < _start(filters.until + timedelta(days=1)))


def _when(moment: datetime | None) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


# --- the detail of each kind: a statement (with an `id` and a `status` column) and how a row reads ---------------


def _appointments(f: Filters):
    items = (select(func.array_agg(AppointmentItem.item_id)).where(AppointmentItem.appointment_id == Appointment.id)
             .scalar_subquery())
    statement = select(Appointment.id, Appointment.centre_id, Appointment.window_id, items.label("item_ids"),
                       Appointment.person_name, Appointment.service_date, Appointment.starts_at, Appointment.status,
                       Appointment.checked_in_at, Appointment.created_at).where(
        Appointment.centre_id.in_(f.centre_ids), Appointment.service_date.between(f.since, f.until))
    if f.item_id:
        statement = statement.where(exists().where(AppointmentItem.appointment_id == Appointment.id,
                                                   AppointmentItem.item_id == f.item_id))
    return Appointment.id, statement


def _appointment_row(r, names: Names, cipher: FieldCipher) -> list:
    return [r.id, names.of(names.centres, r.centre_id), names.of(names.windows, r.window_id),
            "、".join(names.of(names.items, i) for i in r.item_ids or []), mask_name(r.person_name),
            _day(r.service_date), _when(r.starts_at), APPOINTMENT_STATUS.get(r.status, r.status),
            _when(r.checked_in_at), _when(r.created_at)]


def _applications(f: Filters):
    statement = select(Application.id, Application.reference, Application.centre_id, Application.item_id,
                       Application.applicant_type, Application.applicant_name, Application.id_number_enc,
                       Application.phone_enc, Application.status, Application.accepted_on, Application.due_on,
                       Application.completed_at, Application.created_at).where(
        Application.centre_id.in_(f.centre_ids), _within(Application.created_at, f))
    if f.item_id:
        statement = statement.where(Application.item_id == f.item_id)
    return Application.id, statement


def _application_row(r, names: Names, cipher: FieldCipher) -> list:
    id_number = cipher.decrypt(r.id_number_enc, context=ID_NUMBER_CONTEXT) if r.id_number_enc else None
    phone = cipher.decrypt(r.phone_enc, context=PHONE_CONTEXT) if r.phone_enc else None
    person = r.applicant_type == "person"
    return [r.reference, names.of(names.centres, r.centre_id), names.of(names.items, r.item_id),
            messages.APPLICANT_TYPES.get(r.applicant_type, r.applicant_type),
            mask_name(r.applicant_name) if person else r.applicant_name,
            mask_id_number(id_number) if id_number else "", mask_phone(phone) if phone else "",
            APPLICATION_STATUS.get(r.status, r.status), _day(r.accepted_on), _day(r.due_on), _when(r.completed_at),
            _when(r.created_at)]


def _feedback(f: Filters):
    statement = select(Feedback.id, Feedback.kind, Feedback.centre_id, Feedback.item_id, Feedback.status,
                       Feedback.created_at, Feedback.sla_days, Feedback.due_on, Feedback.answered_at,
                       Feedback.reopen_count).where(Feedback.centre_id.in_(f.centre_ids),
                                                    _within(Feedback.created_at, f))
    if f.item_id:
        statement = statement.where(Feedback.item_id == f.item_id)
    return Feedback.id, statement


def _feedback_row(r, names: Names, cipher: FieldCipher) -> list:
    on_time = (messages.NOT_YET if r.answered_at is None
               else messages.YES if local_date(r.answered_at) <= r.due_on else messages.NO)
    return [r.id, FEEDBACK_KINDS.get(r.kind, r.kind), names.of(names.centres, r.centre_id),
            names.of(names.items, r.item_id), FEEDBACK_STATUS.get(r.status, r.status), _when(r.created_at),
            r.sla_days, _day(r.due_on), _when(r.answered_at), on_time, r.reopen_count]


def _ratings(f: Filters):
    statement = select(Rating.id, Rating.target_type, Rating.centre_id, Rating.window_id, Rating.item_id,
                       Rating.level, Rating.validity.label("status"), Rating.created_at).where(
        Rating.centre_id.in_(f.centre_ids), _within(Rating.created_at, f))
    if f.item_id:
        statement = statement.where(Rating.item_id == f.item_id)
    return Rating.id, statement


def _rating_row(r, names: Names, cipher: FieldCipher) -> list:
    return [r.id, messages.TARGET_NAMES.get(r.target_type, r.target_type), names.of(names.centres, r.centre_id),
            names.of(names.windows, r.window_id), names.of(names.items, r.item_id), LEVEL_NAMES.get(r.level, r.level),
            messages.YES if r.level in BAD_LEVELS else messages.NO, messages.VALIDITY_NAMES.get(r.status, r.status),
            _when(r.created_at)]


def _rectifications(f: Filters):
    statement = select(Rectification.id, Rectification.source_type, Rectification.centre_id, Rectification.item_id,
                       Rectification.rated_on, Rectification.status, Rectification.verify_due_on,
                       Rectification.fix_due_on, Rectification.verified_at, Rectification.fixed_at,
                       Rectification.category, Rectification.revisits).where(
        Rectification.centre_id.in_(f.centre_ids), Rectification.rated_on.between(f.since, f.until))
    if f.item_id:
        statement = statement.where(Rectification.item_id == f.item_id)
    return Rectification.id, statement


def _rectification_row(r, names: Names, cipher: FieldCipher) -> list:
    return [r.id, messages.SOURCE_NAMES.get(r.source_type, r.source_type), names.of(names.centres, r.centre_id),
            names.of(names.items, r.item_id), _day(r.rated_on), RECTIFICATION_STATUS.get(r.status, r.status),
            _day(r.verify_due_on), _day(r.fix_due_on), _when(r.verified_at), _when(r.fixed_at), r.category or "",
            r.revisits]


def _surveys(f: Filters):
    statement = (select(SurveyInvitation.id, SurveyInvitation.kind, SurveyInvitation.centre_id,
                        SurveyInvitation.item_id, SurveyInvitation.status, SurveyInvitation.sent_at,
                        SurveyInvitation.answered_at, SurveyAnswer.lowest_score, SurveyAnswer.fixed)
                 .outerjoin(SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id)
                 .where(SurveyInvitation.centre_id.in_(f.centre_ids), SurveyInvitation.status.in_(ASKED),
                        _within(SurveyInvitation.sent_at, f)))
    if f.item_id:
        statement = statement.where(SurveyInvitation.item_id == f.item_id)
    return SurveyInvitation.id, statement


def _survey_row(r, names: Names, cipher: FieldCipher) -> list:
    fixed = "" if r.fixed is None else messages.YES if r.fixed else messages.NO
    return [r.id, messages.SURVEY_KIND_NAMES.get(r.kind, r.kind), names.of(names.centres, r.centre_id),
            names.of(names.items, r.item_id), messages.SURVEY_STATUS_NAMES.get(r.status, r.status),
            _when(r.sent_at), _when(r.answered_at), r.lowest_score if r.lowest_score is not None else "", fixed]


DETAILS: dict[str, tuple[Callable, Callable]] = {
    "appointments": (_appointments, _appointment_row), "applications": (_applications, _application_row),
    "feedback": (_feedback, _feedback_row), "ratings": (_ratings, _rating_row),
    "rectifications": (_rectifications, _rectification_row), "surveys": (_surveys, _survey_row),
}
STATUS_NAMES = {"appointments": APPOINTMENT_STATUS, "applications": APPLICATION_STATUS, "feedback": FEEDBACK_STATUS,
                "ratings": messages.VALIDITY_NAMES, "rectifications": RECTIFICATION_STATUS,
                "surveys": messages.SURVEY_STATUS_NAMES}


def count_rows(session: Session, filters: Filters) -> int:
    """How many detail rows the report would hold (asked first: it decides at once or by a job)."""
    _, statement = DETAILS[filters.kind][0](filters)
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def detail_chunks(session: Session, filters: Filters, names: Names, cipher: FieldCipher,
                  size: int = CHUNK) -> Iterator[list[list]]:
    """The detail rows in chunks by id, each chunk its own query (so a job may commit between chunks)."""
    build, read = DETAILS[filters.kind]
    key, statement = build(filters)
    after = 0
    while True:
        rows = session.execute(statement.where(key > after).order_by(key).limit(size)).all()
        if not rows:
            return
        yield [read(row, names, cipher) for row in rows]
        after = rows[-1].id


# --- the summary ----------------------------------------------------------------------------------------------


def _status_counts(session: Session, filters: Filters) -> list[tuple[str, int]]:
    sub = DETAILS[filters.kind][0](filters)[1].subquery()
    counts = dict(session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).tuples().all())
    names = STATUS_NAMES[filters.kind]
    return [(messages.BY_STATUS.format(status=names.get(status, status)), counts[status])
            for status in [*names, *sorted(set(counts) - set(names))] if status in counts]


def summary_figures(session: Session, filters: Filters) -> list[tuple[str, Any]]:
    """(label, value) of the report's figures; rates as fractions (shown as percentages), None when undefined."""
    centre_ids, item = set(filters.centre_ids), filters.item_id
    figures: list[tuple[str, Any]] = []
    if filters.kind in ("ratings", "rectifications"):
        totals = rating_totals(session, centre_ids, filters.since, filters.until, item)
        if filters.kind == "ratings":
            figures += [(messages.TOTAL_RATINGS, totals["total"]), (messages.GOOD, totals["good"]),
                        (messages.GOOD_RATE, totals["good_rate"])]
        figures += [(messages.BAD, totals["bad"]), (messages.RECTIFIED, totals["rectified"]),
                    (messages.RECTIFIED_RATE, totals["rectification_rate"])]
        if filters.kind == "ratings":
            figures.append((messages.AVERAGE_LEVEL, totals["average_level"]))
    elif filters.kind == "surveys":
        survey = response_figures(session, centre_ids, filters.since, filters.until, item)
        figures += [(messages.ASKED, survey["asked"]), (messages.ANSWERED, survey["answered"]),
                    (messages.RESPONSE_RATE, survey["response_rate"])]
    return figures + _status_counts(session, filters)


def per_centre(session: Session, filters: Filters, names: Names) -> tuple[list[str], list[list]]:
    """The rates by centre (the dashboard's table, or the results page's), for the kinds that have rates."""
    centre_ids, item = set(filters.centre_ids), filters.item_id
    if filters.kind in ("ratings", "rectifications"):
        rows = rating_stats(session, centre_ids, "centre", filters.since, filters.until, item)
        return ([messages.CENTRE_NAME, messages.TOTAL_RATINGS, messages.GOOD_RATE, messages.BAD,
                 messages.RECTIFIED_RATE],
                [[r["name"], r["total"], r["good_rate"], r["bad"], r["rectification_rate"]] for r in rows])
    if filters.kind == "surveys":
        rows = [(names.centres[c], response_figures(session, {c}, filters.since, filters.until, item))
                for c in sorted(filters.centre_ids)]
        return ([messages.CENTRE_NAME, messages.ASKED, messages.ANSWERED, messages.RESPONSE_RATE],
                [[name, s["asked"], s["answered"], s["response_rate"]] for name, s in rows if s["asked"]])
    return [], []


# --- the workbook ---------------------------------------------------------------------------------------------


def _cells(sheet, values: list, *, bold: bool = False, percent_from: int | None = None) -> list:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for index, value in enumerate(values):
        if value is None:
            value = messages.NO_RATE
        cell = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
        if bold:
            cell.font = Font(bold=True)
        if percent_from is not None and index >= percent_from and isinstance(value, float):
            cell.number_format = PERCENT
        cells.append(cell)
    return cells


RATE_LABELS = (messages.GOOD_RATE, messages.RECTIFIED_RATE, messages.RESPONSE_RATE)


def write_workbook(out: IO[bytes], session: Session, filters: Filters, *, made_by: str, made_at: datetime,
                   cipher: FieldCipher, progress: Callable[[int], None] | None = None, chunk: int = CHUNK) -> int:
    """Write the report to `out` (a file or a buffer); returns the number of detail rows. `progress(done)` is
    called after each chunk of the detail."""
    # openpyxl (and Pillow under it, ~5 MB a process) is imported by the report job, not by every web worker.
    from openpyxl import Workbook

    names = _names(session, filters)
    kind = messages.KIND_NAMES[filters.kind]
    book = Workbook(write_only=True)
    summary = book.create_sheet(messages.SUMMARY_SHEET)
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 40
    item = names.items.get(filters.item_id, "") if filters.item_id else messages.ALL_ITEMS
    rows = count_rows(session, filters)
    for label, value in [(messages.LABEL_REPORT, messages.TITLE.format(kind=kind)),
                         (messages.LABEL_CENTRES, "、".join(names.centres[c] for c in sorted(filters.centre_ids)
                                                           if c in names.centres)),
                         (messages.LABEL_PERIOD, messages.PERIOD.format(since=filters.since, until=filters.until)),
                         (messages.LABEL_ITEM, item), (messages.LABEL_MADE_AT, _when(made_at)),
                         (messages.LABEL_MADE_BY, made_by), (messages.LABEL_ROWS, rows)]:
        summary.append(_cells(summary, [label, value]))
    summary.append([])
    summary.append(_cells(summary, [messages.LABEL_FIGURE, messages.LABEL_VALUE, messages.LABEL_DEFINITION],
                          bold=True))
    for label, value in summary_figures(session, filters):
        row = [label, value, messages.DEFINITIONS.get(label, "")]
        summary.append(_cells(summary, row, percent_from=1 if label in RATE_LABELS else None))
    headers, table = per_centre(session, filters, names)
    if table:
        summary.append([])
        summary.append(_cells(summary, [messages.PER_CENTRE]))
        summary.append(_cells(summary, headers, bold=True))
        for line in table:
            summary.append(_cells(summary, line, percent_from=1))
    detail = book.create_sheet(messages.DETAIL_SHEET.format(kind=kind))
    detail.append(_cells(detail, messages.HEADERS[filters.kind], bold=True))
    done = 0
    for lines in detail_chunks(session, filters, names, cipher, chunk):
        for line in lines:
            detail.append([spreadsheet_safe(value) for value in line])
        done += len(lines)
        if progress:
            progress(done)
    book.save(out)
    return done


def file_name(filters: Filters) -> str:
    return f"report-{filters.kind}-{filters.since:%Y%m%d}-{filters.until:%Y%m%d}.xlsx"


# --- exports built by a job -------------------------------------------------------------------------------------


def filters_of(export: ReportExport) -> Filters:
    return Filters(export.kind, tuple(export.centre_ids), export.date_from, export.date_to, export.item_id)


def queue_export(session: Session, *, staff_id: int, made_by: str, filters: Filters, rows: int) -> ReportExport:
    """Record a large export and queue its job for after the commit."""
    export = ReportExport(staff_id=staff_id, made_by=made_by, kind=filters.kind, centre_ids=list(filters.centre_ids),
                          item_id=filters.item_id, date_from=filters.since, date_to=filters.until, status="queued",
                          rows_total=rows, rows_done=0)
    session.add(export)
    session.flush()
    enqueue_after_commit(session, "default", BUILD_JOB, export.id, job_id=f"report-{export.id}",
                         job_timeout=JOB_TIMEOUT)
    return export


def staff_export(session: Session, staff_id: int, export_id: int) -> ReportExport:
    """One's own export; anyone else's is not found."""
    export = session.get(ReportExport, export_id)
    if export is None or export.staff_id != staff_id:
        raise not_found()
    return export


def recent_exports(session: Session, staff_id: int, limit: int = 10) -> list[ReportExport]:
    return list(session.scalars(select(ReportExport).where(ReportExport.staff_id == staff_id)
                                .order_by(ReportExport.id.desc()).limit(limit)))


def start_build(session: Session, export_id: int) -> ReportExport | None:
    """Claim an export for building; None when there is nothing to do (made already, lapsed, or gone). A run
    that died half-way is built again from the start."""
    export = session.get(ReportExport, export_id, with_for_update=True)
    if export is None or export.status in ("done", "expired"):
        return None
    export.status, export.rows_done = "running", 0
    return export


def record_progress(session: Session, export_id: int, done: int) -> None:
    session.execute(update(ReportExport).where(ReportExport.id == export_id).values(rows_done=done))


def storage_key(export_id: int) -> str:
    # Not a content-addressed blob key (`ab/abcdef…`): the files sweep leaves it alone.
    return f"reports/{export_id}.xlsx"


def finish_build(session: Session, export_id: int, key: str, rows: int, now: datetime) -> None:
    session.execute(update(ReportExport).where(ReportExport.id == export_id).values(
        status="done", storage_key=key, rows_done=rows, rows_total=rows, finished_at=now,
        expires_at=now + timedelta(hours=LINK_HOURS)))


def fail_build(session: Session, export_id: int, now: datetime) -> None:
    session.execute(update(ReportExport).where(ReportExport.id == export_id).values(status="failed",
                                                                                     finished_at=now))


def link_token(secret: str, export: ReportExport) -> str:
    assert export.expires_at is not None
    return URLSafeSerializer(secret, salt=LINK_SALT).dumps([export.id, int(export.expires_at.timestamp())])


def open_link(session: Session, secret: str, staff_id: int, export_id: int, token: str, now: datetime) -> ReportExport:
    """The export a link names, for the staff member who asked for it, while the link lasts (410 after)."""
    try:
        named, expires = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise not_found() from None
    if named != export_id or not isinstance(expires, int):
        raise not_found()
    export = staff_export(session, staff_id, export_id)
    if now.timestamp() >= expires or export.status == "expired":
        raise DomainError(messages.LINK_EXPIRED, code=REPORT_LINK_EXPIRED, status=410)
    if export.status != "done" or not export.storage_key:
        raise not_found()
    return export


def requeue_stale(session: Session, now: datetime, limit: int = 100) -> int:
    """Exports still queued long after they were asked for (Redis was away at the commit): their job again, after
    this transaction's commit. One still waiting in its queue is not doubled: the job id is the same."""
    stale = list(session.scalars(select(ReportExport.id).where(
        ReportExport.status == "queued", ReportExport.created_at < now - STALE_QUEUED).order_by(ReportExport.id)
        .limit(limit)))
    for export_id in stale:
        enqueue_after_commit(session, "default", BUILD_JOB, export_id, job_id=f"report-{export_id}",
                             job_timeout=JOB_TIMEOUT)
    return len(stale)


def sweep_expired(session: Session, storage: Storage, now: datetime, limit: int = 500) -> int:
    """Remove the files of exports whose link has lapsed (the rows stay, marked expired). The file goes first:
    nobody can download it any more, so a failure after that leaves nothing reachable."""
    lapsed = list(session.execute(select(ReportExport.id, ReportExport.storage_key).where(
        ReportExport.storage_key.is_not(None), ReportExport.expires_at <= now).order_by(ReportExport.id)
        .limit(limit)).tuples().all())
    for _, key in lapsed:
        storage.delete(key)
    if lapsed:
        session.execute(update(ReportExport).where(ReportExport.id.in_([i for i, _ in lapsed])).values(
            status="expired", storage_key=None))
    return len(lapsed)
