"""好差评: one rating per service, 差评 → rectification → revisit until accepted, appeals, statistics."""

from datetime import timedelta

import pytest

from miniapp_api.applications import services as applications
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import AuditLog
from miniapp_api.ratings import rectifications, services, stats
from miniapp_api.ratings.models import Rating, Rectification
from miniapp_api.staff.models import StaffNotice
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import citizen_with_identity


def rate(session, served, target, level, **extra):
    return services.rate(session, served.citizen.id,
                         services.RatingIn(target="application", target_id=target.id, level=level, **extra),
                         MONDAY_8AM + timedelta(hours=2))


def figures(session, served, group_by="centre"):
    rows = stats.rating_stats(session, {served.centre.id}, group_by, None, None)
    return {k: rows[0][k] for k in ("total", "good", "bad", "rectified", "good_rate", "rectification_rate")}


def test_a_bad_rating_is_rectified_revisited_reopened_and_finally_accepted(db_session, served):
    application = served.completed_application()
    rating = rate(db_session, served, application, 1, tags=["办理慢"], comment="跑了三次")
    assert (rating.centre_id, rating.window_id, rating.item_id, rating.staff_id) == (
        served.centre.id, served.window.id, served.item.id, served.handler.id)
    rectification = db_session.query(Rectification).filter_by(rating_id=rating.id).one()
    assert str(rectification.verify_due_on) == "2026-11-24" and str(rectification.fix_due_on) == "2026-12-14"
    told = [n.kind for n in db_session.query(Notification).filter_by(subject_type="rectification")]
    assert told == ["rating_followup"]
    alerted = {n.staff_id for n in db_session.query(StaffNotice).filter_by(kind="bad_rating")}
    assert alerted == {served.manager.id, served.second_manager.id, served.handler.id}
    assert figures(db_session, served) == {"total": 1, "good": 0, "bad": 1, "rectified": 0, "good_rate": 0.0,
                                           "rectification_rate": 0.0}

    now = MONDAY_8AM + timedelta(days=1)
    rectifications.verify(served.manager, rectification, "电话联系申请人，核实属实", now)
    rectifications.fix(db_session, served.manager, rectification, "立行立改", "已安排专人跟进，今后一次告知所需材料", now)
    assert figures(db_session, served)["rectification_rate"] == 1.0
    rectifications.revisit(db_session, rectification, satisfied=False, note="还是没人联系我", actor="citizen:1",
                           now=now)
    assert rectification.status == "open" and rectification.escalation_level == 1
    assert figures(db_session, served)["rectified"] == 0
    with pytest.raises(DomainError):   # only a fixed case can be revisited
        rectifications.revisit(db_session, rectification, satisfied=True, note=None, actor="citizen:1", now=now)
    rectifications.fix(db_session, served.manager, rectification, "限期整改", "窗口负责人已上门送达证件", now)
    rectifications.revisit(db_session, rectification, satisfied=True, note=None, actor="citizen:1", now=now)
    assert rectification.status == "revisited" and rectification.revisits == 2
    assert figures(db_session, served)["rectification_rate"] == 1.0
    assert [e.kind for e in rectification.events] == ["opened", "verified", "fixed", "reopened", "fixed",
                                                      "revisited"]


def test_a_good_rating_opens_nothing_and_a_second_rating_is_refused(db_session, served):
    application = served.completed_application()
    rate(db_session, served, application, 5)
    with pytest.raises(DomainError) as refused:
        rate(db_session, served, application, 1)
    assert refused.value.code == "already_rated" and refused.value.status == 409
    assert db_session.query(Rectification).count() == 0
    assert figures(db_session, served)["good_rate"] == 1.0


def test_rating_needs_completion_and_closes_after_thirty_days(db_session, served):
    application = served.completed_application()
    unfinished = applications.intake(db_session, served.cipher, served.handler, item_code=served.item.code,
                                     centre_id=served.centre.id, now=MONDAY_8AM,
                                     applicant=applications.Applicant("person", "李娜", id_number="11010519491231002X"))
    unfinished.citizen_id = served.citizen.id
    with pytest.raises(DomainError) as refused:
        rate(db_session, served, unfinished, 5)
    assert refused.value.code == "not_yet_ratable"
    with pytest.raises(DomainError) as refused:
        services.rate(db_session, served.citizen.id, services.RatingIn("application", application.id, 5),
                      MONDAY_8AM + timedelta(days=31))
    assert refused.value.code == "rating_closed"


def test_invalidating_a_bad_rating_needs_evidence_and_a_second_person(db_session, served):
    application = served.completed_application()
    rating = rate(db_session, served, application, 1, comment="乱写的")
    now = MONDAY_8AM + timedelta(days=2)
    services.request_invalidation(db_session, served.manager, rating.id, "评价内容与办件无关，系误评",
                                  ["窗口录像 2026-11-23 08:10"], now)
    with pytest.raises(DomainError) as refused:
        services.decide_invalidation(db_session, served.manager, rating.id, True, None, now)
    assert refused.value.code == "second_person_required"
    with pytest.raises(DomainError):   # window staff may not decide (not found, like another centre's)
        services.decide_invalidation(db_session, served.handler, rating.id, True, None, now)
    services.decide_invalidation(db_session, served.second_manager, rating.id, True, "录像核实", now)
    assert db_session.get(Rating, rating.id).validity == "invalid"
    assert db_session.query(Rectification).one().status == "invalid"
    assert stats.rating_stats(db_session, {served.centre.id}, "centre", None, None) == []
    actions = [a.action for a in db_session.query(AuditLog).filter_by(subject_type="rating")]
    assert actions == ["request_rating_invalidation", "decide_rating_invalidation"]


def test_statistics_by_every_dimension(db_session, served, cipher):
    levels = [5, 5, 4, 3, 2, 1]
    for n, level in enumerate(levels, start=2):
        other = citizen_with_identity(db_session, cipher, 100 + n)
        served.citizen = other
        rate(db_session, served, served.completed_application(person=100 + n), level)
    expected = {"total": 6, "good": 4, "bad": 2, "rectified": 0, "good_rate": 0.6667, "rectification_rate": 0.0}
    for group_by in ("centre", "window", "item", "staff", "month"):
        assert figures(db_session, served, group_by) == expected, group_by
    row = stats.rating_stats(db_session, {served.centre.id}, "staff", None, None)[0]
    assert row["name"] == "王芳" and row["average_level"] == 3.33
    assert stats.rating_stats(db_session, {served.centre.id}, "month", None, None)[0]["key"] == "2026-11"
