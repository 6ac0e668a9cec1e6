"""Two staff taking the same 帮办 request at once, or a manager assigning it while a helper takes it: exactly one
wins (real threads, each on its own PostgreSQL connection)."""

from datetime import timedelta

from sqlalchemy import select

from miniapp_api.assistance import services
from miniapp_api.assistance.models import AssistanceEvent, AssistanceGrant, AssistanceRequest
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.staff.models import Staff
from tests.assistance.conftest import Desk
from tests.concurrency import attempt, run_together
from tests.factories import MONDAY_8AM


def test_of_eight_staff_taking_or_assigning_one_request_at_once_exactly_one_wins(app, committed_db, connections):
    session = committed_db.session
    desk = Desk(session, app.extensions["banshi.cipher"])
    takers = [desk.helper.id, desk.second.id]
    request = desk.ask()
    session.commit()
    request_id, manager_id, helper_id = request.id, desk.manager.id, desk.helper.id

    def act(index: int):
        def work(own):
            if index % 2:   # the manager assigns it to the first helper
                staff = own.get(Staff, manager_id)
                services.assign(own, staff, request_id, helper_id, MONDAY_8AM)
                return ("assigned", helper_id)
            staff = own.get(Staff, takers[index // 2 % 2])
            services.assign(own, staff, request_id, staff.id, MONDAY_8AM)
            return ("took", staff.id)
        return attempt(connections, work)

    outcomes = run_together(8, act)
    wins = [o for o in outcomes if o != services.ALREADY_TAKEN]
    assert len(wins) == 1, outcomes
    assert outcomes.count(services.ALREADY_TAKEN) == 7
    session.expire_all()
    stored = session.get(AssistanceRequest, request_id)
    assert (stored.status, stored.helper_staff_id) == ("assigned", wins[0][1])
    # One assignment in the timeline, one message to the requester.
    assert session.scalars(select(AssistanceEvent.kind).where(AssistanceEvent.request_id == request_id)).all() \
        == ["submitted", "assigned"]
    assert session.scalars(select(Notification.kind).where(Notification.subject_id == request_id)).all() \
        == ["assistance_assigned"]


def test_a_revocation_racing_the_helpers_booking_is_ordered_the_helper_never_acts_after_it(
        app, committed_db, connections):
    """Each round: the helper books under the grant while the requester revokes it, at once. Both lock the request
    (and the grant: the act FOR SHARE, the revocation FOR UPDATE), so either the booking commits first and the
    revocation follows, or the revocation wins and the booking is refused — never a booking after the revocation."""
    session = committed_db.session
    cipher = app.extensions["banshi.cipher"]
    desk = Desk(session, cipher)
    desk.centre.max_active_per_person = 10   # every round may book: one day each, so no duplicate either
    rounds = []
    for day in ("2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"):
        request = desk.ask()
        services.assign(session, desk.helper, request.id, desk.helper.id, MONDAY_8AM)
        grant = services.ask_to_act(session, desk.helper, request, scopes=["book"], purpose="代为预约", valid_hours=24,
                                    now=MONDAY_8AM)
        services.confirm_grant(session, desk.citizen, request.id, grant.id, MONDAY_8AM)
        slot = desk.hall.slot(session, desk.hall.general, f"{day} 09:00")
        rounds.append((request.id, grant.id, slot.id))
    session.commit()
    helper_id, citizen_id, item = desk.helper.id, desk.citizen.id, desk.hall.quick.code
    at = MONDAY_8AM + timedelta(minutes=1)

    for request_id, grant_id, slot_id in rounds:
        def book(own):
            staff = own.get(Staff, helper_id)
            request = services.staff_request(own, staff, request_id, lock=True)
            return services.book_for_requester(own, cipher, staff, request, slot_id=slot_id, item_codes=[item],
                                               now=at).id

        def revoke(own):
            return services.revoke_grant(own, own.get(Citizen, citizen_id), request_id, grant_id, at).status

        outcomes = run_together(2, lambda index: attempt(connections, book if index == 0 else revoke))
        assert outcomes[1] == "revoked", outcomes
        session.expire_all()
        kinds = session.scalars(select(AssistanceEvent.kind).where(AssistanceEvent.request_id == request_id)
                                .order_by(AssistanceEvent.id)).all()
        if outcomes[0] == services.GRANT_NOT_IN_FORCE:
            assert "booked_for" not in kinds
        else:
            assert isinstance(outcomes[0], int), outcomes
            assert kinds.index("booked_for") < kinds.index("grant_revoked")
        assert session.get(AssistanceGrant, grant_id).status == "revoked"
