"""Surveys: one invitation per trigger, sampling, contact gaps, one reminder, expiry, answers, the fix loop."""

import csv
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from miniapp_api.applications.models import Application
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.errors import DomainError
from miniapp_api.ratings import rectifications
from miniapp_api.ratings.models import Rectification
from miniapp_api.surveys import campaigns, results, services
from miniapp_api.surveys.models import InvitationRule, SurveyInvitation
from tests.factories import CentreFactory, ItemFactory, make_staff

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)


def citizens(session, count: int, prefix: str = "o-survey") -> list[int]:
    return list(session.scalars(text(
        "INSERT INTO citizen (openid) SELECT :prefix || '-' || n FROM generate_series(1, :count) n RETURNING id"),
        {"prefix": prefix, "count": count}))


def subject(citizen_id: int, n: int, centre_id=None, item_id=None, trigger="application.completed"):
    return services.Subject(trigger=trigger, subject_type="application", subject_id=n, citizen_id=citizen_id,
                            centre_id=centre_id, item_id=item_id, key=f"{trigger}:application:{n}:{citizen_id}")


@pytest.fixture
def place(db_session):
    services.ensure_defaults(db_session)
    return CentreFactory(), ItemFactory()


def invitations(session, **filters):
    return session.query(SurveyInvitation).filter_by(**filters).order_by(SurveyInvitation.id).all()


def test_a_trigger_processed_twice_invites_once(db_session, place):
    centre, item = place
    [citizen] = citizens(db_session, 1)
    for _ in range(2):
        services.invite(db_session, [subject(citizen, 1, centre.id, item.id)], NOON)
    [invitation] = invitations(db_session)
    assert invitation.status == "scheduled" and invitation.scheduled_for == NOON + timedelta(hours=2)


def test_invitations_are_moved_out_of_quiet_hours(db_session, place):
    [citizen] = citizens(db_session, 1)
    services.invite(db_session, [subject(citizen, 1, *[p.id for p in place])], NOON.replace(hour=21))
    assert invitations(db_session)[0].scheduled_for == NOON.replace(day=24, hour=8)


def test_sampling_honours_the_rate_over_ten_thousand_events_and_is_repeatable(db_session, place):
    centre, item = place
    db_session.query(InvitationRule).filter_by(trigger="application.completed").update({"sample_rate": 0.3})
    people = citizens(db_session, 10_000)
    batch = [subject(c, n, centre.id, item.id) for n, c in enumerate(people)]
    first = services.invite(db_session, batch, NOON)
    # 3,000 expected; three standard deviations (sqrt(10000 * 0.3 * 0.7) ≈ 46) either side.
    assert 2_860 <= first["scheduled"] <= 3_140 and first["scheduled"] + first["not_sampled"] == 10_000
    chosen = {i.citizen_id for i in invitations(db_session, status="scheduled")}
    assert services.invite(db_session, batch, NOON) == {"already": 10_000}   # decided once, for good
    assert {i.citizen_id for i in invitations(db_session, status="scheduled")} == chosen
    assert db_session.scalar(select(func.count()).select_from(SurveyInvitation)) == 10_000


def test_a_person_is_asked_at_most_once_in_thirty_days_across_all_surveys(db_session, place):
    centre, item = place
    [citizen] = citizens(db_session, 1)
    services.invite(db_session, [subject(citizen, 1, centre.id, item.id)], NOON)
    closed = services.Subject(trigger="feedback.closed", subject_type="feedback", subject_id=9, citizen_id=citizen,
                              centre_id=centre.id, item_id=None, key=f"feedback.closed:feedback:9:{citizen}")
    services.invite(db_session, [closed], NOON + timedelta(days=10))
    later = subject(citizen, 2, centre.id, item.id)
    services.invite(db_session, [later], NOON + timedelta(days=31))
    assert [(i.subject_type, i.status, i.skip_reason) for i in invitations(db_session)] == [
        ("application", "scheduled", None), ("feedback", "skipped", "recent"), ("application", "scheduled", None)]
    assert invitations(db_session)[1].survey.code == "revisit"


def sent_token(session, invitation) -> str:
    page = session.scalar(select(Notification.page).where(Notification.dedupe_key == f"survey:{invitation.id}:invite"))
    return page.split("token=")[1]


def test_one_reminder_only_while_unanswered_then_expiry(db_session, place):
    centre, item = place
    first, second = citizens(db_session, 2)
    services.invite(db_session, [subject(first, 1, centre.id, item.id), subject(second, 2, centre.id, item.id)], NOON)
    assert services.send_due(db_session, NOON + timedelta(hours=2)) == 2
    answered, unanswered = invitations(db_session)
    services.submit(db_session, first, sent_token(db_session, answered), {"score": 5, "once": True},
                    NOON + timedelta(days=1))
    for day in (3, 3, 4, 10):
        services.remind_and_expire(db_session, NOON + timedelta(days=day, hours=3))
    reminders = db_session.query(Notification).filter(Notification.dedupe_key.like("survey:%:remind")).all()
    assert [r.citizen_id for r in reminders] == [second]
    assert unanswered.status == "reminded"
    assert services.remind_and_expire(db_session, NOON + timedelta(days=14, hours=3)) == (0, 1)
    db_session.expire_all()
    assert [i.status for i in invitations(db_session)] == ["answered", "expired"]
    with pytest.raises(DomainError) as refused:
        services.open_invitation(db_session, second, sent_token(db_session, unanswered), NOON + timedelta(days=15))
    assert refused.value.code == "survey_expired" and refused.value.status == 410


def test_answers_are_checked_per_question_with_field_messages(db_session, place):
    centre, item = place
    [citizen] = citizens(db_session, 1)
    services.invite(db_session, [subject(citizen, 1, centre.id, item.id)], NOON)
    services.send_due(db_session, NOON + timedelta(hours=2))
    token = sent_token(db_session, invitations(db_session)[0])
    with pytest.raises(DomainError) as refused:
        services.submit(db_session, citizen, token, {"score": 9, "once": "yes", "waiting": "很久",
                                                     "improve": ["天气"], "extra": 1}, NOON + timedelta(hours=3))
    assert refused.value.fields == {"answers.score": "请选择1到5之间的分数", "answers.once": "请选择“是”或“否”",
                                    "answers.waiting": "请从选项中选择一项", "answers.improve": "请从选项中选择",
                                    "answers.extra": "问卷中没有这道题"}
    with pytest.raises(DomainError) as stranger:
        services.submit(db_session, citizen + 999, token, {"score": 5, "once": True}, NOON)
    assert stranger.value.code == "survey_not_found"
    services.submit(db_session, citizen, token, {"score": 4, "once": True, "improve": ["办事效率"]}, NOON)
    with pytest.raises(DomainError) as again:
        services.submit(db_session, citizen, token, {"score": 4, "once": True}, NOON)
    assert again.value.code == "survey_already_answered"


def test_not_fixed_opens_a_rectification_and_the_revisit_after_the_fix_closes_the_chain(db_session, place):
    centre, item = place
    manager = make_staff(db_session, [centre], ("centre_manager",))
    [citizen] = citizens(db_session, 1)
    closed = services.Subject(trigger="feedback.closed", subject_type="feedback", subject_id=5, citizen_id=citizen,
                              centre_id=centre.id, item_id=item.id, key=f"feedback.closed:feedback:5:{citizen}")
    services.invite(db_session, [closed], NOON)
    services.send_due(db_session, NOON + timedelta(days=8))
    first = invitations(db_session)[0]
    services.submit(db_session, citizen, sent_token(db_session, first),
                    {"fixed": False, "score": 2, "comment": "路灯还是不亮"}, NOON + timedelta(days=9))
    rectification = db_session.query(Rectification).one()
    assert rectification.source_type == "survey_answer" and "路灯还是不亮" in rectification.summary

    def fix_and_revisit(day: int, fixed: bool):
        rectifications.fix(db_session, manager, rectification, "限期整改", "已更换灯杆", NOON + timedelta(days=day))
        db_session.flush()
        pending = [e.id for e in db_session.query(events.DomainEvent).filter_by(
            kind="rectification.fixed", dispatched_at=None)]
        events.dispatch(db_session, pending, NOON + timedelta(days=day))
        revisit = invitations(db_session, kind="revisit")[-1]
        services.send_due(db_session, revisit.scheduled_for)
        services.submit(db_session, citizen, sent_token(db_session, revisit), {"fixed": fixed, "score": 4 if fixed else 1},
                        revisit.scheduled_for + timedelta(hours=1))

    fix_and_revisit(12, fixed=False)
    assert rectification.status == "open" and rectification.escalation_level == 1
    fix_and_revisit(20, fixed=True)
    assert rectification.status == "revisited"
    assert len(invitations(db_session, kind="revisit")) == 2
    assert db_session.query(Rectification).count() == 1   # the revisit answers did not open new ones


def test_monthly_campaign_is_stratified_by_centre_and_runs_once(db_session, cipher):
    services.ensure_defaults(db_session)
    big, small, item = CentreFactory(), CentreFactory(), ItemFactory()
    people = citizens(db_session, 40)
    for n, citizen in enumerate(people):
        db_session.add(Application(reference=f"BS20261015-T{n:05d}", item_id=item.id,
                                   centre_id=(big if n < 30 else small).id, applicant_type="person",
                                   applicant_name="测试", citizen_id=citizen, status="completed",
                                   completed_at=datetime(2026, 10, 15, 10, tzinfo=SHANGHAI), updated_at=NOON))
    db_session.flush()
    month = datetime(2026, 10, 1).date()
    outcome = campaigns.monthly_campaign(db_session, month, 8, seed=7, now=NOON)
    assert outcome == {"scheduled": 8}
    by_centre = {c: len(invitations(db_session, centre_id=c, kind="monthly")) for c in (big.id, small.id)}
    assert by_centre == {big.id: 6, small.id: 2}
    assert campaigns.monthly_campaign(db_session, month, 8, seed=7, now=NOON) == {"already": 8}
    assert len(invitations(db_session, kind="monthly")) == 8
    report = campaigns.campaign_report(db_session, "monthly", "monthly:2026-10:")
    assert sorted(r["invited"] for r in report) == [2, 6]


def test_results_and_csv(db_session, place):
    centre, item = place
    people = citizens(db_session, 3)
    services.invite(db_session, [subject(c, n, centre.id, item.id) for n, c in enumerate(people)], NOON)
    services.send_due(db_session, NOON + timedelta(hours=2))
    rows = invitations(db_session)
    services.submit(db_session, people[0], sent_token(db_session, rows[0]), {"score": 5, "once": True,
                                                                            "improve": ["线上办理"]}, NOON)
    services.submit(db_session, people[1], sent_token(db_session, rows[1]), {
        "score": 2, "once": False, "comment": '=HYPERLINK("http://evil.example/x","点此领取补贴")'}, NOON)
    [row] = results.survey_results(db_session, "service", "item", {centre.id}, None, None)
    assert (row["asked"], row["answered"], row["response_rate"]) == (3, 2, 0.6667)
    assert row["questions"]["score"] == {"average": 3.5, "answers": 2}
    assert row["questions"]["once"] == {"yes_rate": 0.5, "answers": 2}
    assert row["questions"]["improve"] == {"counts": {"线上办理": 1}}
    exported = results.results_csv(db_session, "service", {centre.id}).lstrip("\ufeff").splitlines()
    assert exported[0].startswith("invitation_id,survey_version,kind") and len(exported) == 3
    assert ",是," in exported[1] and "线上办理" in exported[1]
    # Free text that looks like a formula stays text in Excel (CSV formula injection).
    [comment] = [cell for cell in next(csv.reader([exported[2]])) if "HYPERLINK" in cell]
    assert comment.startswith("'=HYPERLINK(")
    assert db_session.query(Rectification).count() == 1    # the score of 2 opened one


def test_publishing_a_new_version_keeps_the_old_one(db_session):
    services.ensure_defaults(db_session)
    survey = services.publish_survey(db_session, "service", "办事满意度回访（第二版）",
                                     [{"key": "score", "kind": "scale", "text": "满意吗？", "required": True}])
    assert survey.version == 2 and services.live_survey(db_session, "service").id == survey.id
    assert db_session.execute(select(func.count()).select_from(text("survey")).where(
        text("code = 'service'"))).scalar() == 2
    db_session.get(Citizen, 1)   # the session is still usable


def test_quarterly_audit_samples_three_to_five_percent_of_each_centres_cases(db_session):
    """The level above audits 3–5 % of the quarter's completed cases: per centre (each at least one), the
    same sample for the same seed, only the quarter's cases, and once."""
    services.ensure_defaults(db_session)
    large, medium, tiny, item = CentreFactory(), CentreFactory(), CentreFactory(), ItemFactory()
    sizes = {large.id: 300, medium.id: 120, tiny.id: 7}
    people = citizens(db_session, sum(sizes.values()) + 10)
    n = 0
    for centre_id, size in sizes.items():
        for _ in range(size):
            db_session.add(Application(reference=f"BS20261115-Q{n:05d}", item_id=item.id, centre_id=centre_id,
                                       applicant_type="person", applicant_name="测试", citizen_id=people[n],
                                       status="completed", updated_at=NOON,
                                       completed_at=datetime(2026, 10 + n % 3, 10, 10, tzinfo=SHANGHAI)))
            n += 1
    for extra in range(10):   # completed after the quarter: never sampled
        db_session.add(Application(reference=f"BS20270105-Q{extra:05d}", item_id=item.id, centre_id=large.id,
                                   applicant_type="person", applicant_name="测试", citizen_id=people[n + extra],
                                   status="completed", updated_at=NOON,
                                   completed_at=datetime(2027, 1, 5, 10, tzinfo=SHANGHAI)))
    db_session.flush()
    quarter = datetime(2026, 10, 1).date()
    outcome = campaigns.audit_sample(db_session, quarter, 0.04, seed=11, now=NOON)
    sampled = {c: invitations(db_session, centre_id=c, kind="audit") for c in sizes}
    assert {c: len(rows) for c, rows in sampled.items()} == {large.id: 12, medium.id: 5, tiny.id: 1}
    assert sum(outcome.values()) == 18
    for centre_id, rows in sampled.items():
        share = len(rows) / sizes[centre_id]
        assert 0.03 <= share <= 0.05 or len(rows) == 1       # a tiny centre still gets one
        ids = {r.subject_id for r in rows}
        cases = set(db_session.scalars(select(Application.id).where(
            Application.centre_id == centre_id, Application.completed_at < datetime(2027, 1, 1, tzinfo=SHANGHAI))))
        assert ids <= cases and len(ids) == len(rows)
    # Spread over the quarter's three months, not bunched in one.
    months = {db_session.get(Application, r.subject_id).completed_at.astimezone(SHANGHAI).month
              for r in sampled[large.id]}
    assert months == {10, 11, 12}
    # Run again: nobody is invited twice.
    campaigns.audit_sample(db_session, quarter, 0.04, seed=11, now=NOON)
    assert len(invitations(db_session, kind="audit")) == 18
