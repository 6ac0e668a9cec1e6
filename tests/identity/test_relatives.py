"""Authorised relatives (亲友代办 / 一部手机绑定多人) over HTTP: request, confirm (on WeChat or on paper at the
hall), book for, see, receive, revoke, expire; a delegate sees exactly the scope granted."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.appointments import services as booking
from miniapp_api.appointments.models import BookingSuspension
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity import services as identity
from miniapp_api.identity.models import RelativeAuthorisation, Scope
from miniapp_api.licences import services as licences
from miniapp_api.notifications.models import Notification
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, ItemFactory, build_hall, id_number
from tests.licences.test_licences import csv_text, food_licence

GRANDMA = id_number(410)


def ask(client, delegate, scopes=("book", "view", "remind"), number=GRANDMA, valid_days=30) -> dict:
    response = client.post("/api/v1/relatives", headers=delegate, json={
        "name": "王秀英", "id_number": number, "relation": "父母", "scopes": list(scopes), "valid_days": valid_days})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_relative_confirms_on_wechat_then_the_delegate_books_sees_and_receives(client, db_session, cipher, login,
                                                                                  verified_login, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        ItemFactory(code="FOOD-RENEW")
        licences.import_csv(db_session, cipher, csv_text(food_licence("JY-G1", "2027-01-10", contact=410)),
                            issuing_centre_id=CentreFactory().id, now=MONDAY_8AM)
        db_session.commit()
        son = verified_login("王建军", id_number(411), openid="o-son")
        request = ask(client, son)
        assert request["state"] == "pending" and len(request["invite_code"]) == 8
        # Not yet in force: nothing of grandma's is visible.
        assert client.get(f"/api/v1/relatives/{request['id']}/licences", headers=son).status_code == 404
        # Someone else (verified as another person) cannot accept it; grandma can, after her own face check.
        stranger = verified_login("李四", id_number(412))
        wrong = client.post("/api/v1/relatives/accept", headers=stranger, json={"code": request["invite_code"]})
        assert wrong.status_code == 404 and wrong.get_json()["error"]["code"] == "invite_invalid"
        grandma = verified_login("王秀英", GRANDMA, openid="o-grandma")
        accepted = client.post("/api/v1/relatives/accept", headers=grandma, json={"code": request["invite_code"]})
        assert accepted.status_code == 200, accepted.get_json()
        [for_me] = accepted.get_json()["acting_for_me"]
        assert for_me["name"] == "王建军" and for_me["state"] == "active" and for_me["id_number_masked"] is None
        [mine] = client.get("/api/v1/relatives", headers=son).get_json()["acting_for"]
        assert mine["state"] == "active" and mine["confirmed_via"] == "wechat"

        # Book for her without retyping anything.
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        booked = client.post("/api/v1/appointments", headers=son, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code], "for_relative": request["id"]})
        assert booked.status_code == 201, booked.get_json()
        assert booked.get_json()["person_name"] == "王秀英"
        # The booking is hers: the one-per-item-and-day rule counts her, whoever books.
        again = hall.slot(db_session, hall.express, "2026-11-24 14:00")
        duplicate = client.post("/api/v1/appointments", headers=grandma,
                                json={"slot_id": again.id, "item_codes": [hall.quick.code]})
        assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "duplicate_booking"
        # Her own booking and the son's booking for her both show in her records, as the son sees them.
        own = hall.slot(db_session, hall.express, "2026-11-25 09:00")
        assert client.post("/api/v1/appointments", headers=grandma,
                           json={"slot_id": own.id, "item_codes": [hall.quick.code]}).status_code == 201
        seen = client.get(f"/api/v1/relatives/{request['id']}/appointments", headers=son).get_json()["appointments"]
        assert sorted(a["starts_at"][:10] for a in seen) == ["2026-11-24", "2026-11-25"]
        # The son still sees only his own bookings in his own list.
        assert len(client.get("/api/v1/appointments", headers=son).get_json()["appointments"]) == 1
        [licence] = client.get(f"/api/v1/relatives/{request['id']}/licences", headers=son).get_json()["licences"]
        assert licence["number"] == "JY-G1"
        assert client.get(f"/api/v1/relatives/{request['id']}/applications", headers=son).get_json()["applications"] == []

    # Her licence reminder goes to her and to the son (remind scope), each through their own account.
    son_id = db_session.scalars(select(RelativeAuthorisation.delegate_id)).one()
    licences.sweep_expiry_reminders(db_session, MONDAY_8AM)
    reminded = set(db_session.scalars(select(Notification.citizen_id).where(Notification.kind == "licence_expiry")))
    assert son_id in reminded and len(reminded) == 2


def test_scope_is_exactly_what_was_granted(client, db_session, login, verified_login):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        daughter = verified_login("刘敏", id_number(421))
        request = ask(client, daughter, scopes=("view",), number=id_number(420))
        grandpa = verified_login("王秀英", id_number(420))
        assert client.post("/api/v1/relatives/accept", headers=grandpa,
                           json={"code": request["invite_code"]}).status_code == 200
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        refused = client.post("/api/v1/appointments", headers=daughter, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code], "for_relative": request["id"]})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "scope_not_granted"
        assert client.get(f"/api/v1/relatives/{request['id']}/licences", headers=daughter).status_code == 200
        # Another citizen with the authorisation's id sees nothing.
        other = verified_login("赵六", id_number(422))
        assert client.get(f"/api/v1/relatives/{request['id']}/licences", headers=other).status_code == 404
        # An unverified delegate cannot even ask.
        unverified = client.post("/api/v1/relatives", headers=login(),
                                 json={"name": "王秀英", "id_number": id_number(420), "relation": "父母",
                                       "scopes": ["view"]})
        assert unverified.status_code == 403 and unverified.get_json()["error"]["code"] == "identity_unverified"



def test_either_side_revokes_and_expiry_ends_it(client, db_session, verified_login):
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        son = verified_login("王建军", id_number(431))
        grandma = verified_login("王秀英", id_number(430))
        first = ask(client, son, number=id_number(430), valid_days=10)
        client.post("/api/v1/relatives/accept", headers=grandma, json={"code": first["invite_code"]})
        assert client.get(f"/api/v1/relatives/{first['id']}/licences", headers=son).status_code == 200
        # The relative revokes: at once 404 for the delegate, and the delegate is told.
        revoked = client.post(f"/api/v1/relatives/{first['id']}/revoke", headers=grandma)
        assert revoked.status_code == 200 and revoked.get_json()["acting_for_me"][0]["state"] == "revoked"
        gone = client.get(f"/api/v1/relatives/{first['id']}/licences", headers=son)
        assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "relative_not_found"
        assert client.post(f"/api/v1/relatives/{first['id']}/revoke", headers=son).status_code == 404
        # Asked again and confirmed; this time the delegate revokes.
        second = ask(client, son, number=id_number(430), valid_days=10)
        client.post("/api/v1/relatives/accept", headers=grandma, json={"code": second["invite_code"]})
        assert client.post(f"/api/v1/relatives/{second['id']}/revoke", headers=son).status_code == 200
        assert client.get(f"/api/v1/relatives/{second['id']}/appointments", headers=son).status_code == 404
        # A third one runs out on its own after its days.
        third = ask(client, son, number=id_number(430), valid_days=10)
        client.post("/api/v1/relatives/accept", headers=grandma, json={"code": third["invite_code"]})
        traveller.shift(timedelta(days=9))
        assert client.get(f"/api/v1/relatives/{third['id']}/licences", headers=son).status_code == 200
        traveller.shift(timedelta(days=1, seconds=1))
        assert client.get(f"/api/v1/relatives/{third['id']}/licences", headers=son).status_code == 404
        listed = client.get("/api/v1/relatives", headers=son).get_json()["acting_for"]
        assert [r["state"] for r in listed] == ["expired", "revoked", "revoked"]
    titles = set(db_session.scalars(select(Notification.title).where(Notification.kind == "account_security")))
    assert {"亲友代办授权已生效", "亲友代办授权已撤销"} <= titles


def test_an_unused_request_code_lapses_after_three_days(client, verified_login):
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        son = verified_login("王建军", id_number(441))
        request = ask(client, son, number=id_number(440))
        traveller.shift(timedelta(days=3, seconds=1))
        grandma = verified_login("王秀英", id_number(440))
        late = client.post("/api/v1/relatives/accept", headers=grandma, json={"code": request["invite_code"]})
        assert late.status_code == 404 and late.get_json()["error"]["code"] == "invite_invalid"
        # A lapsed request does not block asking again.
        assert ask(client, son, number=id_number(440))["state"] == "pending"


def test_a_no_show_booked_by_an_authorised_relative_counts_against_the_relative(db_session, cipher, make_citizen):
    hall = build_hall(db_session, MONDAY_8AM)
    son, grandma = make_citizen("王建军"), make_citizen("王秀英")
    invitation = identity.invite_relative(db_session, cipher, son, name="王秀英",
                                          id_number=cipher.decrypt(grandma.id_number_enc, context="citizen.id_number"),
                                          relation="父母", scopes=["book"], valid_days=30, now=MONDAY_8AM)
    identity.accept_invitation(db_session, grandma, code=invitation.code, now=MONDAY_8AM)
    principal = identity.principal_for(db_session, son, invitation.authorisation.id, Scope.BOOK, MONDAY_8AM)
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        booking.book_appointment(db_session, citizen_id=son.id, person=booking.person_for_relative(db_session, son, principal),
                                 slot_id=hall.slot(db_session, hall.general, f"{day} 09:00").id,
                                 item_codes=[hall.quick.code], now=MONDAY_8AM)
    booking.mark_no_shows(db_session, MONDAY_8AM + timedelta(days=5))
    assert {s.person_hash for s in db_session.scalars(select(BookingSuspension))} == {grandma.verified_id_hash}


def test_a_waiting_request_is_read_before_the_code_refused_on_the_page_and_then_gone(client, db_session, login,
                                                                                     verified_login, wechat):
    """The person named reads who asks and for what while the code holds; a stranger does not; 不同意 tells the
    asker, and a request that never took effect (refused, or its code expired) leaves the person's list."""
    with time_machine.travel(MONDAY_8AM, tick=True) as clock:
        son = verified_login("王建军", id_number(421), openid="o-son-2")
        grandma = verified_login("王秀英", GRANDMA, openid="o-grandma-2")
        stranger = verified_login("李四", id_number(422), openid="o-stranger-2")
        unverified = login("o-unverified-2")
        first = ask(client, son, scopes=("view",))
        [waiting] = client.get("/api/v1/relatives", headers=grandma).get_json()["acting_for_me"]
        assert (waiting["id"], waiting["state"], waiting["name"], waiting["scopes"]) == (first["id"], "pending",
                                                                                        "王建军", ["view"])
        assert waiting["id_number_masked"] is None and waiting["invite_code"] is None
        for other in (stranger, unverified):
            assert client.get("/api/v1/relatives", headers=other).get_json()["acting_for_me"] == []

        refused = client.post(f"/api/v1/relatives/{first['id']}/revoke", headers=grandma)
        assert refused.status_code == 200 and refused.get_json()["acting_for_me"] == []
        told = db_session.scalars(select(Notification).where(Notification.title == "亲友代办申请没有被同意")).all()
        son_id = db_session.scalars(select(Citizen.id).where(Citizen.openid == "o-son-2")).one()
        assert [n.citizen_id for n in told] == [son_id]
        assert client.post("/api/v1/relatives/accept", headers=grandma,
                           json={"code": first["invite_code"]}).status_code == 404

        # A second request is listed while its code holds (3 days) and gone once it has expired unused.
        second = ask(client, son, scopes=("book",))
        assert [a["id"] for a in client.get("/api/v1/relatives", headers=grandma).get_json()["acting_for_me"]] == [
            second["id"]]
        clock.shift(timedelta(days=3, minutes=1))
        assert client.get("/api/v1/relatives", headers=grandma).get_json()["acting_for_me"] == []
        # The asker still sees both in their own list, for the record.
        states = sorted(a["state"] for a in client.get("/api/v1/relatives", headers=son).get_json()["acting_for"])
        assert states == ["expired", "revoked"]
