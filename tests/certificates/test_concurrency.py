"""Certificates issued at the same moment by several workers (threads, each on its own connection): every
identifier distinct, the running number counted once each; and one case completed twice issues once."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.certificates import certificate_types, services
from miniapp_api.certificates.models import Certificate, CertificateSequence
from miniapp_api.platform.clock import SHANGHAI
from tests.concurrency import run_together
from tests.factories import CentreFactory, ItemFactory, WindowFactory, id_number, make_staff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
WORKERS = 8


def test_certificates_issued_at_once_get_distinct_numbers_and_a_case_issues_once(app, committed_db, connections,
                                                                                   cipher):
    session = committed_db.session
    centre = CentreFactory(region="高唐县")
    item = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[item])
    clerk = make_staff(session, [centre], ("window_staff",))
    case_ids = []
    for n in range(WORKERS):
        case = applications.intake(session, cipher, clerk, item_code=item.code, centre_id=centre.id, now=NOW,
                                   applicant=applications.Applicant("person", f"作业人员{n}", id_number=id_number(900 + n)),
                                   accept=applications.Advance(S.ACCEPTED))
        for step in (S.IN_REVIEW, S.APPROVED):
            applications.advance(session, clerk, case, applications.Advance(step), NOW)
        case_ids.append(case.id)
    session.commit()
    signer = app.extensions["banshi.keyring"]

    def issue(index: int) -> str:
        # Worker 0 and worker 1 both issue for the first case (a retried event meeting the first run).
        case_id = case_ids[max(0, index - 1)]
        with connections() as own:
            certificate = services.issue_for(own, signer, cipher, own.get(Application, case_id), NOW)
            own.commit()
            return certificate.identifier

    issued = run_together(WORKERS + 1, lambda i: _retrying(issue, i))
    rows = session.scalars(select(Certificate.identifier)).all()
    assert len(rows) == WORKERS == len(set(rows)) and set(issued) == set(rows)
    assert all(certificate_types.is_valid_identifier(number) and number.startswith("2310371526") for number in rows)
    # The loser's number went back with its rollback: the running numbers have no gap.
    assert session.scalar(select(func.max(CertificateSequence.last))) == WORKERS


def _retrying(issue, index: int) -> str:
    """The second issuer of one case loses on its unique application id and, retried as the event dispatch
    would retry, finds the certificate the first one committed."""
    try:
        return issue(index)
    except IntegrityError:
        return issue(index)
