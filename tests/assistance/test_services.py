"""帮办代办 in the service layer: the SLA on the working-day calendar, who may take and assign, the grant checked at
each act (before confirmation, in force, expired, revoked, ended with the request), closing and rating."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from miniapp_api.accounts import services as accounts
from miniapp_api.appointments.models import Appointment
from miniapp_api.assistance import services
from miniapp_api.assistance.messages import EVENT_NAMES
from miniapp_api.assistance.models import AssistanceSla, GrantStatus
from miniapp_api.centres import calendar
from miniapp_api.mydata.export import SECTIONS, pdf_line
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.models import AuditLog
from miniapp_api.ratings import services as ratings
from miniapp_api.ratings.models import Rectification
from miniapp_api.staff.models import StaffNotice
from tests.assistance.conftest import at
from tests.factories import (MONDAY_8AM, CentreFactory, build_hall, business_with_agent, citizen_with_identity,
                             make_staff)


def refusal(call) -> tuple[int, str]:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.status, refused.value.code


def test_first_contact_is_due_one_working_day_later_by_the_calendar_or_the_centres_own_limit(desk, db_session):
    friday = desk.ask(now=at("2026-11-27 16:00"))
    assert friday.contact_due_on == date(2026, 11, 30)           # Friday → Monday: the weekend does not count
    calendar.set_override(db_session, date(2026, 11, 30), is_workday=False, note="测试调休")
    assert desk.ask(now=at("2026-11-27 16:00")).contact_due_on == date(2026, 12, 1)
    services.set_contact_days(db_session, desk.manager, desk.centre.id, 3)
    assert db_session.get(AssistanceSla, desk.centre.id).contact_days == 3
    assert desk.ask(now=MONDAY_8AM).contact_due_on == date(2026, 11, 26)
    # Overdue only once its due day has passed with no contact.
    assert not services.is_overdue(friday, date(2026, 11, 30))
    assert services.is_overdue(friday, date(2026, 12, 1))
    services.assign(db_session, desk.helper, friday.id, desk.helper.id, MONDAY_8AM)
    services.record_contact(db_session, desk.helper, friday, "已电话联系", MONDAY_8AM)
    assert not services.is_overdue(friday, date(2026, 12, 1))


def test_a_request_is_about_an_item_or_a_situation_at_a_real_centre(desk):
    assert refusal(lambda: desk.ask(item_code=None)) == (422, services.ABOUT_SOMETHING)
    assert refusal(lambda: desk.ask(item_code="NOPE")) == (422, services.LINK_NOT_FOUND)
    assert refusal(lambda: desk.ask(centre_id=10**9)) == (422, services.LINK_NOT_FOUND)
    assert refusal(lambda: desk.ask(business_id=10**9)) == (404, "business_not_found")
    free_text = desk.ask(item_code=None, situation="想开一家小饭店，不知道要办哪些证")
    assert free_text.item_id is None and free_text.status == "submitted"


def test_who_may_take_and_assign(desk, db_session):
    request = desk.ask()
    # Another centre's staff do not see it; a helper cannot give it to someone else; an admin is no helper.
    assert refusal(lambda: services.assign(db_session, desk.outsider, request.id, desk.outsider.id, MONDAY_8AM)) \
        == (404, services.REQUEST_NOT_FOUND)
    assert refusal(lambda: services.assign(db_session, desk.helper, request.id, desk.second.id, MONDAY_8AM)) \
        == (404, services.REQUEST_NOT_FOUND)
    assert refusal(lambda: services.assign(db_session, desk.manager, request.id, desk.outsider.id, MONDAY_8AM)) \
        == (422, services.HELPER_NOT_OF_CENTRE)
    services.assign(db_session, desk.manager, request.id, desk.helper.id, MONDAY_8AM)
    assert (request.status, request.helper_staff_id) == ("assigned", desk.helper.id)
    # Taken: nobody else takes it, nor is it assigned again.
    assert refusal(lambda: services.assign(db_session, desk.second, request.id, desk.second.id, MONDAY_8AM)) \
        == (409, services.ALREADY_TAKEN)
    told = db_session.scalars(select(Notification).where(Notification.citizen_id == desk.citizen.id)).all()
    assert [(n.kind, "赵帮办" in n.body) for n in told] == [("assistance_assigned", True)]
    assert db_session.scalar(select(AuditLog.action).where(AuditLog.subject_id == str(request.id),
                                                           AuditLog.subject_type == "assistance_request")) \
        == "assistance.assigned"


def _taken(desk, db_session):
    request = desk.ask()
    services.assign(db_session, desk.helper, request.id, desk.helper.id, MONDAY_8AM)
    services.record_contact(db_session, desk.helper, request, "已电话联系，约好代为预约", MONDAY_8AM)
    return request


def _book(desk, db_session, request, now, hour="09:00"):
    slot = desk.hall.slot(db_session, desk.hall.general, f"2026-11-25 {hour}")
    return services.book_for_requester(db_session, desk.cipher, desk.helper, request, slot_id=slot.id,
                                       item_codes=[desk.hall.quick.code], now=now)


def test_the_helper_acts_only_under_a_grant_in_force_and_each_act_is_logged(desk, db_session):
    request = _taken(desk, db_session)
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM)) == (403, services.GRANT_NOT_IN_FORCE)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约窗口",
                                valid_hours=24, now=MONDAY_8AM)
    # Asked, not yet confirmed: nothing allowed; only the helper asks; one live grant at a time.
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM)) == (403, services.GRANT_NOT_IN_FORCE)
    assert refusal(lambda: services.ask_to_act(db_session, desk.second, request, scopes=["book"], purpose="代办",
                                               valid_hours=24, now=MONDAY_8AM)) == (403, services.ONLY_THE_HELPER)
    assert refusal(lambda: services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代办",
                                               valid_hours=24, now=MONDAY_8AM)) == (409, services.GRANT_ALREADY_LIVE)
    services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM + timedelta(minutes=5))
    assert grant.expires_at == MONDAY_8AM + timedelta(hours=24, minutes=5)
    appointment = _book(desk, db_session, request, MONDAY_8AM + timedelta(minutes=10))
    # The booking is the requester's own: their account, their person.
    assert appointment.citizen_id == desk.citizen.id and appointment.person_name == "周敏"
    logged = db_session.scalars(select(AuditLog).where(AuditLog.action == "assistance.book_for")).one()
    assert (logged.actor, logged.detail["grant_id"], logged.detail["appointment_id"]) == (
        f"staff:{desk.helper.id}", grant.id, appointment.id)
    assert "帮办员已为您预约" in [EVENT_NAMES[e.kind] for e in request.events if e.visible_to_citizen]
    # Past its hours the grant is over: the helper is refused at once, and may ask again.
    later = grant.expires_at
    assert refusal(lambda: _book(desk, db_session, request, later, "10:00")) == (403, services.GRANT_NOT_IN_FORCE)
    again = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="再次代约",
                                valid_hours=2, now=later)
    assert grant.status == GrantStatus.ENDED and again.status == GrantStatus.PENDING


def test_a_revoked_grant_and_a_closed_request_stop_the_helper_at_once(desk, db_session):
    request = _taken(desk, db_session)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                valid_hours=72, now=MONDAY_8AM)
    services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM)
    services.revoke_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM + timedelta(minutes=1))
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM + timedelta(minutes=2))) \
        == (403, services.GRANT_NOT_IN_FORCE)
    assert refusal(lambda: services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM)) \
        == (409, services.GRANT_NOT_PENDING)
    second = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                 valid_hours=72, now=MONDAY_8AM)
    services.confirm_grant(db_session, desk.citizen, request.id, second.id, MONDAY_8AM)
    services.close(db_session, desk.helper, request, "已代为预约并告知所需材料", MONDAY_8AM + timedelta(hours=1))
    assert second.status == GrantStatus.ENDED
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM + timedelta(hours=1))) \
        == (403, services.GRANT_NOT_IN_FORCE)
    kinds = db_session.scalars(select(Notification.kind).where(Notification.citizen_id == desk.citizen.id)
                               .order_by(Notification.id)).all()
    assert kinds == ["assistance_assigned", "assistance_grant", "assistance_grant", "assistance_closed"]


def test_a_grant_covers_only_the_requests_centre_and_item_which_the_citizen_is_told(desk, db_session):
    request = _taken(desk, db_session)
    # The request named its item: it is the grant's, and no other can be put in its place.
    assert refusal(lambda: services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                               valid_hours=24, now=MONDAY_8AM, item_code=desk.hall.slow.code)) \
        == (422, services.GRANT_ITEM_FIXED)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                valid_hours=24, now=MONDAY_8AM)
    asked = db_session.scalars(select(Notification).where(Notification.kind == "assistance_grant")).one()
    assert desk.centre.name in asked.body and f"“{desk.hall.quick.name}”" in asked.body
    services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM)
    # Under a grant in force: another item at this centre, a slot at another centre, or two items are refused.
    slot = desk.hall.slot(db_session, desk.hall.general, "2026-11-25 09:00")
    elsewhere = build_hall(db_session, MONDAY_8AM)
    far_slot = elsewhere.slot(db_session, elsewhere.general, "2026-11-25 09:00")
    for slot_id, codes in ((slot.id, [desk.hall.slow.code]), (far_slot.id, [desk.hall.quick.code]),
                           (far_slot.id, [elsewhere.quick.code]), (slot.id, [desk.hall.quick.code, desk.hall.slow.code])):
        assert refusal(lambda: services.book_for_requester(db_session, desk.cipher, desk.helper, request,
                                                           slot_id=slot_id, item_codes=codes, now=MONDAY_8AM)) \
            == (403, services.GRANT_OUTSIDE)
    assert db_session.scalar(select(func.count()).select_from(Appointment)
                             .where(Appointment.citizen_id == desk.citizen.id)) == 0
    # Within them, it books.
    assert _book(desk, db_session, request, MONDAY_8AM).centre_id == desk.centre.id


def test_a_request_naming_only_a_situation_gets_the_grants_item_from_the_helper(desk, db_session):
    vague = desk.ask(item_code=None, situation="年纪大了，想办老年人优待证，不会在手机上预约")
    services.assign(db_session, desk.helper, vague.id, desk.helper.id, MONDAY_8AM)
    other_centres_item = build_hall(db_session, MONDAY_8AM).quick
    for code in (None, other_centres_item.code, "NOPE"):   # none, one this centre's windows do not serve, unknown
        assert refusal(lambda: services.ask_to_act(db_session, desk.helper, vague, scopes=["book"], purpose="代约",
                                                   valid_hours=24, now=MONDAY_8AM, item_code=code)) \
            == (422, services.GRANT_NEEDS_ITEM)
    assert vague.grants == []
    wrong = services.ask_to_act(db_session, desk.helper, vague, scopes=["book"], purpose="代约", valid_hours=24,
                                now=MONDAY_8AM, item_code=desk.hall.slow.code)
    # The requester reads the item in the words that ask; it is the grant's, the request stays as she wrote it.
    asked = [e.note for e in vague.events if e.kind == "grant_asked"]
    assert f"“{desk.hall.slow.name}”" in asked[0] and desk.centre.name in asked[0]
    assert (wrong.item_id, vague.item_id) == (desk.hall.slow.id, None)
    # Not what she needs: she says 不同意, and the helper asks again with the right one, which books only that.
    services.revoke_grant(db_session, desk.citizen, vague.id, wrong.id, MONDAY_8AM)
    right = services.ask_to_act(db_session, desk.helper, vague, scopes=["book"], purpose="代约", valid_hours=24,
                                now=MONDAY_8AM, item_code=desk.hall.quick.code)
    services.confirm_grant(db_session, desk.citizen, vague.id, right.id, MONDAY_8AM)
    slot = desk.hall.slot(db_session, desk.hall.general, "2026-11-25 09:00")
    assert refusal(lambda: services.book_for_requester(db_session, desk.cipher, desk.helper, vague, slot_id=slot.id,
                                                       item_codes=[desk.hall.slow.code], now=MONDAY_8AM)) \
        == (403, services.GRANT_OUTSIDE)
    booked = services.book_for_requester(db_session, desk.cipher, desk.helper, vague, slot_id=slot.id,
                                         item_codes=[desk.hall.quick.code], now=MONDAY_8AM)
    assert [line.item.code for line in booked.lines] == [desk.hall.quick.code]


def test_someone_else_cannot_confirm_or_revoke_a_grant_or_withdraw(desk, db_session, cipher):
    stranger = citizen_with_identity(db_session, cipher, 302, name="吴某")
    request = _taken(desk, db_session)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                valid_hours=72, now=MONDAY_8AM)
    for call in (lambda: services.confirm_grant(db_session, stranger, request.id, grant.id, MONDAY_8AM),
                 lambda: services.revoke_grant(db_session, stranger, request.id, grant.id, MONDAY_8AM),
                 lambda: services.withdraw(db_session, stranger, request.id, MONDAY_8AM)):
        assert refusal(call) == (404, services.REQUEST_NOT_FOUND)
    services.withdraw(db_session, desk.citizen, request.id, MONDAY_8AM)
    assert (request.status, grant.status) == ("withdrawn", GrantStatus.ENDED)
    with pytest.raises(NotFound):
        services.citizen_request(db_session, stranger.id, request.id)


def test_the_helper_is_rated_after_closing_and_a_bad_rating_opens_a_rectification(desk, db_session):
    request = _taken(desk, db_session)
    rate = lambda level: ratings.rate(db_session, desk.citizen.id,  # noqa: E731
                                      ratings.RatingIn("assistance", request.id, level, comment="联系太慢"), MONDAY_8AM)
    assert refusal(lambda: rate(2)) == (409, ratings.NOT_YET_RATABLE)
    services.close(db_session, desk.helper, request, "已办结", MONDAY_8AM)
    rating = rate(2)
    assert (rating.staff_id, rating.centre_id, rating.is_bad) == (desk.helper.id, desk.centre.id, True)
    rectification = db_session.scalars(select(Rectification).where(Rectification.rating_id == rating.id)).one()
    assert (rectification.staff_id, rectification.status) == (desk.helper.id, "open")
    assert "帮办代办" in rectification.summary
    assert refusal(lambda: rate(5)) == (409, ratings.ALREADY_RATED)


def test_closing_the_account_withdraws_open_requests_ends_the_grant_and_erases_the_name_from_the_words(
        desk, db_session, cipher):
    request = desk.ask(situation="我是周敏，腿脚不便，请帮我预约")
    services.assign(db_session, desk.helper, request.id, desk.helper.id, MONDAY_8AM)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                valid_hours=72, now=MONDAY_8AM)
    services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM)
    accounts.request_deletion(db_session, desk.citizen, MONDAY_8AM, grace=timedelta(hours=1))
    assert (request.status, grant.status) == ("withdrawn", GrantStatus.ENDED)
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM)) == (403, services.GRANT_NOT_IN_FORCE)
    assert accounts.erase(db_session, cipher, desk.citizen.id, MONDAY_8AM + timedelta(hours=2))
    db_session.refresh(request)
    assert request.situation == "我是***，腿脚不便，请帮我预约"


def test_the_requests_are_in_the_citizens_copy_of_their_data(desk, db_session):
    request = desk.ask(situation="腿脚不便，请帮我预约")
    services.assign(db_session, desk.helper, request.id, desk.helper.id, MONDAY_8AM)
    services.close(db_session, desk.helper, request, "已代为预约", MONDAY_8AM)
    section = next(s for s in SECTIONS if s.name == "assistance")
    [row] = list(section.rows(db_session, desk.citizen, MONDAY_8AM))
    assert (row["status_name"], row["helper"], row["close_note"]) == ("已办结", "赵帮办", "已代为预约")
    assert pdf_line(section, row).endswith("（已办结） 办结说明：已代为预约")


def test_an_agent_asks_for_the_business_they_act_for_and_only_while_their_link_is_in_force(desk, db_session, cipher):
    business, representative, agent = business_with_agent(db_session, cipher, 330, now=MONDAY_8AM,
                                                          agent_term=timedelta(days=1))
    data = services.AskIn(centre_id=desk.centre.id, situation="新开分店，想请帮办员帮忙梳理要办的证", business_id=business.id)
    request = services.ask_for_help(db_session, agent, data, "pass", MONDAY_8AM)
    assert (request.citizen_id, request.business_id) == (agent.id, business.id)
    assert services.display_names(db_session, request)["business"] == "聊城市周记餐饮有限公司"
    assert refusal(lambda: services.ask_for_help(db_session, agent, data, "pass", MONDAY_8AM + timedelta(days=2))) \
        == (404, "business_not_found")
    assert refusal(lambda: services.ask_for_help(db_session, desk.citizen, data, "pass", MONDAY_8AM)) \
        == (404, "business_not_found")


def test_an_overdue_first_contact_is_noticed_once_to_the_helper_or_else_the_managers(desk, db_session):
    waiting, taken, contacted = desk.ask(), desk.ask(), desk.ask()       # first contact due Tuesday 24 November
    services.assign(db_session, desk.helper, taken.id, desk.helper.id, MONDAY_8AM)
    services.assign(db_session, desk.second, contacted.id, desk.second.id, MONDAY_8AM)
    services.record_contact(db_session, desk.second, contacted, "已联系", MONDAY_8AM)
    assert services.contact_sweep(db_session, at("2026-11-24 18:00")) == 0       # still its due day
    assert services.contact_sweep(db_session, at("2026-11-25 08:25")) == 2
    assert services.contact_sweep(db_session, at("2026-11-25 09:25")) == 0       # once
    told = {(n.staff_id, n.subject_id) for n in db_session.scalars(select(StaffNotice).where(
        StaffNotice.subject_type == "assistance"))}
    assert told == {(desk.manager.id, waiting.id), (desk.helper.id, taken.id)}


def test_the_helpers_offered_are_the_centres_staff_and_those_of_the_centres_above_it(desk, db_session):
    city = CentreFactory(level="city")
    desk.centre.parent_id = city.id
    above = make_staff(db_session, [city], ("supervisor",), name="市级帮办")
    make_staff(db_session, [desk.centre], ("admin",), name="管理员")
    gone = make_staff(db_session, [desk.centre], ("window_staff",), name="已停用")
    gone.active = False
    db_session.flush()
    assert [s.display_name for s in services.helpers_of(db_session, desk.centre.id)] == [
        "钱主任", "赵帮办", "孙帮办", above.display_name]


def test_a_manager_reassigns_from_the_helper_they_saw_and_the_old_helpers_grant_ends(desk, db_session):
    request = _taken(desk, db_session)
    grant = services.ask_to_act(db_session, desk.helper, request, scopes=["book"], purpose="代为预约",
                                valid_hours=72, now=MONDAY_8AM)
    services.confirm_grant(db_session, desk.citizen, request.id, grant.id, MONDAY_8AM)
    assert refusal(lambda: services.reassign(db_session, desk.second, request.id, desk.second.id, desk.helper.id,
                                             MONDAY_8AM)) == (404, services.REQUEST_NOT_FOUND)
    # A manager who saw someone else as the helper (changed meanwhile) is refused.
    assert refusal(lambda: services.reassign(db_session, desk.manager, request.id, desk.second.id, desk.second.id,
                                             MONDAY_8AM)) == (409, services.ALREADY_TAKEN)
    services.reassign(db_session, desk.manager, request.id, desk.second.id, desk.helper.id, MONDAY_8AM)
    assert (request.helper_staff_id, request.status, grant.status) == (desk.second.id, "in_progress",
                                                                        GrantStatus.ENDED)
    assert refusal(lambda: _book(desk, db_session, request, MONDAY_8AM)) == (403, services.ONLY_THE_HELPER)
    assert db_session.scalars(select(Notification.body).where(Notification.citizen_id == desk.citizen.id)
                              .order_by(Notification.id.desc())).first().startswith(f"您的帮办请求（编号 {request.id}）已改由")
