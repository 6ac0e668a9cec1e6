"""The attacks of issue 33, each tried over HTTP against a real gunicorn on the real PostgreSQL and Redis, as an
outsider would: each must fail, and the person attacked must find their records as they left them.

Attacks 6–8 have their detailed tests beside the code they exercise — signatures:
`tests/certificates/test_certificates.py` (the key ring, the answer built from the signed payload),
`tests/inspections/test_inspections.py` (the sealed conclusion); crafted uploads: `tests/files/test_video.py`,
`tests/applications/test_batch_import.py` (peak memory held under a stated bound); secrets in logs:
`tests/test_no_secrets_in_logs.py`, `tests/platform/test_access_log.py` (a real gunicorn's access log). Here,
attack 7 is also tried against the running server: a crafted video is a clear 422, never a 500.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from sqlalchemy import select

from bench.harness import gunicorn
from miniapp_api.accounts import services as accounts
from miniapp_api.appointments.models import Appointment
from miniapp_api.businesses.models import BusinessLink
from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.citizens.services import hash_token
from miniapp_api.identity import services as identity
from miniapp_api.identity.models import RelativeAuthorisation
from tests.factories import (
    MONDAY_8AM,
    build_hall,
    business_with_agent,
    citizen_with_identity,
    id_number,
    policy_world,
)
from tests.files.test_video import nested_traks

pytestmark = pytest.mark.integration

VICTIM = ("王秀英", id_number(901))
ERASURE_GRACE = timedelta(minutes=60)


class Web:
    """The running gunicorn, spoken to with `requests` (every answer is read as JSON)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, json: dict | None = None):
        response = requests.request(method, self.base + path, headers=headers, json=json, timeout=15)
        assert response.status_code != 500, (method, path, response.text)
        return response.status_code, response.json() if response.content else None


@pytest.fixture
def web(committed_db, process_env, wechat):
    # One clock for every worker: MONDAY_8AM at the anchor, running on from there. The anchor is the real instant
    # (time-machine's escape hatch): in a night-clock run this process's own clock is moved, the server's is not.
    hatch = time_machine.escape_hatch
    real_now = datetime.fromtimestamp(hatch.time.time() if hatch.is_travelling() else time.time(), UTC)
    env = dict(process_env, CLOCK_START=MONDAY_8AM.isoformat(), CLOCK_ANCHOR=real_now.isoformat(),
               RATE_LIMITS="false")
    with gunicorn("miniapp_api:create_app()", env) as port:
        yield Web(port)


def bearer(session, citizen: Citizen) -> dict[str, str]:
    """A logged-in phone of this citizen (the token is made here, as a login would)."""
    token = f"bs_attack_{citizen.id}"
    session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token),
                            expires_at=MONDAY_8AM + timedelta(days=30)))
    return {"Authorization": f"Bearer {token}"}


def unverified(session, openid: str) -> Citizen:
    citizen = Citizen(openid=openid)
    session.add(citizen)
    session.flush()
    return citizen


def book(web: Web, headers, slot_id: int, item: str, **extra):
    return web.call("POST", "/api/v1/appointments", headers, {"slot_id": slot_id, "item_codes": [item], **extra})


def for_person(n: int, name: str = "王秀英") -> dict:
    return {"for_person": {"name": name, "id_number": id_number(n), "phone": "13900009999", "relation": "朋友"}}


def statuses(web: Web, headers) -> list[tuple[int, str]]:
    status, body = web.call("GET", "/api/v1/appointments", headers)
    assert status == 200
    return sorted((a["id"], a["status"]) for a in body["appointments"])


def mother_and_son(session, cipher, scopes: list[str], *, valid_days: int = 90, granted: datetime = MONDAY_8AM):
    """王秀英 (VICTIM) and her son 王建军, who acts for her (`scopes`) under the authorisation she accepted when it
    was `granted`: (mother, son, invitation)."""
    mother = citizen_with_identity(session, cipher, 901, name=VICTIM[0])
    son = citizen_with_identity(session, cipher, 902, name="王建军")
    invitation = identity.invite_relative(session, cipher, son, name=VICTIM[0], id_number=VICTIM[1], relation="父母",
                                          scopes=scopes, valid_days=valid_days, now=granted)
    identity.accept_invitation(session, mother, code=invitation.code, now=granted)
    return mother, son, invitation


def test_attack_1_a_typed_id_number_cannot_close_someone_elses_account(web, committed_db, cipher):
    """An unverified account types a verified citizen's name and ID number, then closes its own account: the
    victim's booking, the authorisation they granted and their history stay; only the typing account goes."""
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    victim, _, invitation = mother_and_son(session, cipher, ["book", "view"])
    attacker = unverified(session, "o-attacker-typed")
    victim_headers, attacker_headers = bearer(session, victim), bearer(session, attacker)
    slot = hall.slot(session, hall.general, "2026-11-24 09:00")
    session.commit()
    assert book(web, victim_headers, slot.id, hall.quick.code)[0] == 201
    before = statuses(web, victim_headers)

    status, _ = web.call("PATCH", "/api/v1/me", attacker_headers, {"real_name": VICTIM[0], "id_number": VICTIM[1]})
    assert status == 200
    status, closed = web.call("POST", "/api/v1/me/deletion", attacker_headers, {"confirm": "确认注销"})
    assert status == 200 and closed["cancelled_appointments"] == 0 and closed["ended_authorisations"] == 0
    # The erasure sweep runs once the grace has passed.
    assert accounts.erase_due(session, cipher, MONDAY_8AM + ERASURE_GRACE + timedelta(minutes=1),
                              grace=ERASURE_GRACE) == 1
    session.commit()

    assert statuses(web, victim_headers) == before == [(before[0][0], "booked")]
    appointment = session.get(Appointment, before[0][0])
    assert (appointment.person_name, appointment.person_hash) == (VICTIM[0], victim.verified_id_hash)
    assert session.get(RelativeAuthorisation, invitation.authorisation.id).status == "active"
    assert session.get(Citizen, attacker.id).erased_at is not None and session.get(Citizen, victim.id).erased_at is None


def test_attack_2_bookings_by_name_cannot_lock_a_stranger_out(web, committed_db, cipher):
    """A verified account books for someone by typing their ID number: it uses its own small cap (2), and the
    person named still books their own three."""
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    victim = citizen_with_identity(session, cipher, 901, name=VICTIM[0])
    attacker = citizen_with_identity(session, cipher, 903, name="赵强")
    victim_headers, attacker_headers = bearer(session, victim), bearer(session, attacker)
    days = ["2026-11-24", "2026-11-25", "2026-11-26"]
    slots = [hall.slot(session, hall.general, f"{day} 09:00").id for day in days]
    own = [hall.slot(session, hall.general, f"{day} 10:00").id for day in days]
    session.commit()

    assert [book(web, attacker_headers, slot, hall.quick.code, **for_person(901))[0] for slot in slots[:2]] == [201, 201]
    status, refused = book(web, attacker_headers, slots[2], hall.quick.code, **for_person(901))
    assert status == 409 and refused["error"]["code"] == "quota_exceeded"
    assert "代预约" in refused["error"]["message"] and "亲友代办" in refused["error"]["message"]
    # The victim's own quota and duplicate check are untouched: three bookings, one the same item and day.
    assert [book(web, victim_headers, slot, hall.quick.code)[0] for slot in own] == [201, 201, 201]
    # The person named sees what was booked in their name, who booked it, and may cancel it.
    status, mine = web.call("GET", "/api/v1/appointments", victim_headers)
    by_someone = [a for a in mine["appointments"] if a["booked_for_you"]]
    assert [a["booked_for_you"] for a in by_someone] == ["赵* 为您预约"] * 2
    assert web.call("POST", f"/api/v1/appointments/{by_someone[0]['id']}/cancel", victim_headers)[0] == 200
    status, moved = web.call("POST", f"/api/v1/appointments/{by_someone[1]['id']}/reschedule", victim_headers,
                             {"slot_id": slots[2]})
    assert status == 403 and moved["error"]["code"] == "not_permitted"
    status, messages = web.call("GET", "/api/v1/messages", victim_headers)
    assert any(m["body"].startswith("【他人为您（王秀英）代办的预约，详情和取消请看“我的预约”】") for m in messages["messages"])


def test_attack_3_one_account_is_not_a_scalpers_many_seats(web, committed_db, cipher):
    """Ten typed 'buyers' get the account two seats for others on top of its own three, no more."""
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    scalper = citizen_with_identity(session, cipher, 904, name="钱多")
    headers = bearer(session, scalper)
    days = (24, 25, 26, 27)
    own_slots = [hall.slot(session, hall.general, f"2026-11-{day} 09:00").id for day in days]
    others = [hall.slot(session, hall.general, f"2026-11-{day} {hour}").id for day in days for hour in ("10:00", "11:00")]
    session.commit()
    own = [book(web, headers, slot, hall.quick.code)[0] for slot in own_slots]
    assert own == [201, 201, 201, 409]
    buyers = ["李甲", "李乙", "李丙", "李丁", "李戊", "李己", "李庚", "李辛"]
    answers = [book(web, headers, slot, hall.quick.code, **for_person(950 + n, name=buyers[n]))
               for n, slot in enumerate(others)]
    assert [status for status, _ in answers] == [201, 201] + [409] * 6
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"quota_exceeded"}
    assert len([s for _, s in statuses(web, headers) if s == "booked"]) == 5


def test_attack_4_a_revoked_relative_loses_every_act_and_the_principal_keeps_the_booking(web, committed_db, cipher):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    mother, son, invitation = mother_and_son(session, cipher, ["book", "view", "remind"])
    mother_headers, son_headers = bearer(session, mother), bearer(session, son)
    first, later = (hall.slot(session, hall.general, f"2026-11-{day} 09:00").id for day in (24, 25))
    session.commit()
    status, booked = book(web, son_headers, first, hall.quick.code, for_relative=invitation.authorisation.id)
    assert status == 201
    # It is the mother's: in her own list (who booked it), and its messages reach her too.
    status, hers = web.call("GET", f"/api/v1/appointments/{booked['id']}", mother_headers)
    assert status == 200 and hers["booked_for_you"] == "王** 为您预约"
    assert any("王秀英" in m["body"] for m in web.call("GET", "/api/v1/messages", mother_headers)[1]["messages"])
    assert web.call("GET", f"/api/v1/appointments/{booked['id']}", son_headers)[0] == 200

    assert web.call("POST", f"/api/v1/relatives/{invitation.authorisation.id}/revoke", mother_headers)[0] == 200
    acts = [("GET", f"/api/v1/appointments/{booked['id']}", None),
            ("POST", f"/api/v1/appointments/{booked['id']}/reschedule", {"slot_id": later}),
            ("POST", f"/api/v1/appointments/{booked['id']}/check-in", None),
            ("POST", f"/api/v1/appointments/{booked['id']}/cancel", None)]
    for method, path, body in acts * 2:   # twice: a refusal changes nothing, so it repeats the same
        status, refused = web.call(method, path, son_headers, body)
        assert (status, refused["error"]["code"]) == (404, "appointment_not_found"), (method, path)
    assert statuses(web, son_headers) == []
    assert statuses(web, mother_headers) == [(booked["id"], "booked")]
    # The reminders written for the son are no longer his to receive (the outbox asks before sending).
    assert book(web, son_headers, later, hall.quick.code, for_relative=invitation.authorisation.id)[0] == 404
    assert web.call("POST", f"/api/v1/appointments/{booked['id']}/cancel", mother_headers)[0] == 200


def test_attack_4_an_expired_grant_ends_the_delegates_acts_the_same_way(web, committed_db, cipher):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    mother, son, invitation = mother_and_son(session, cipher, ["book"], valid_days=30,
                                             granted=MONDAY_8AM - timedelta(days=29))
    son_headers, mother_headers = bearer(session, son), bearer(session, mother)
    slot = hall.slot(session, hall.general, "2026-11-24 09:00").id
    session.commit()
    status, booked = book(web, son_headers, slot, hall.quick.code, for_relative=invitation.authorisation.id)
    assert status == 201
    # The server's clock runs from MONDAY_8AM (CLOCK_START): a minute before it is the past there.
    session.execute(RelativeAuthorisation.__table__.update().values(expires_at=MONDAY_8AM - timedelta(minutes=1)))
    session.commit()
    assert web.call("POST", f"/api/v1/appointments/{booked['id']}/cancel", son_headers)[0] == 404
    assert statuses(web, mother_headers) == [(booked["id"], "booked")]


def test_attack_5_an_ended_agent_can_no_longer_act_for_the_business(web, committed_db, cipher):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    business, representative, agent = business_with_agent(session, cipher, 905, now=MONDAY_8AM)
    policy = policy_world(session, hall.centre, representative)
    session.delete(policy["grant"])
    policy["match"].status, policy["match"].business_id = "matched", business.id
    rep_headers, agent_headers = bearer(session, representative), bearer(session, agent)
    session.commit()
    link_id = session.scalar(select(BusinessLink.id).where(BusinessLink.citizen_id == agent.id))
    assert web.call("GET", f"/api/v1/businesses/{business.id}", agent_headers)[0] == 200
    # An agent cannot see who else acts for the business, nor end anyone's link, nor set where money goes.
    for method, path, body in (("GET", f"/api/v1/businesses/{business.id}/agents", None),
                               ("POST", f"/api/v1/businesses/{business.id}/agents/{link_id}/end", {"reason": "测试"}),
                               ("PUT", f"/api/v1/businesses/{business.id}/payout-account",
                                {"account_name": business.name, "bank": "某银行", "account_number": "62220000000001"})):
        status, refused = web.call(method, path, agent_headers, body)
        assert (status, refused["error"]["code"]) == (403, "not_representative")
    # Nor have a grant paid to an account typed at confirmation.
    status, refused = web.call("POST", f"/api/v1/policy-matches/{policy['match'].id}/confirm", agent_headers,
                               {"account_name": "吴会计", "bank": "某银行", "account_number": "62220000000002"})
    assert (status, refused["error"]["code"]) == (409, "payout_account_missing")

    status, links = web.call("POST", f"/api/v1/businesses/{business.id}/agents/{link_id}/end", rep_headers,
                             {"reason": "已离职"})
    assert status == 200
    [ended] = [link for link in links["links"] if link["id"] == link_id]
    assert (ended["in_force"], ended["ended_by"], ended["end_reason"]) == (False, "法定代表人", "已离职")
    for method, path in (("GET", f"/api/v1/businesses/{business.id}"),
                         ("GET", f"/api/v1/policy-matches/{policy['match'].id}"),
                         ("POST", f"/api/v1/policy-matches/{policy['match'].id}/decline")):
        status, refused = web.call(method, path, agent_headers)
        assert status == 404, (method, path, refused)
    assert web.call("GET", "/api/v1/businesses", agent_headers)[1]["businesses"] == []
    assert web.call("GET", "/api/v1/certificates", agent_headers)[1]["certificates"] == []
    assert web.call("GET", "/api/v1/policy-matches", agent_headers)[1]["matches"] == []
    titles = [m["title"] for m in web.call("GET", "/api/v1/messages", agent_headers)[1]["messages"]]
    assert "企业经办授权已结束" in titles
    # The representative still acts, and the match is still open for them.
    assert web.call("GET", f"/api/v1/policy-matches/{policy['match'].id}", rep_headers)[1]["matches"][0]["status"] == "matched"


def test_attack_5_an_agent_past_their_year_or_no_longer_verified_acts_for_nobody(web, committed_db, cipher):
    session = committed_db.session
    business, _, agent = business_with_agent(session, cipher, 905, now=MONDAY_8AM)
    agent_headers = bearer(session, agent)
    session.commit()
    assert web.call("GET", f"/api/v1/businesses/{business.id}", agent_headers)[0] == 200
    session.execute(BusinessLink.__table__.update().where(BusinessLink.citizen_id == agent.id)
                    .values(expires_at=MONDAY_8AM - timedelta(seconds=1)))
    session.commit()
    assert web.call("GET", f"/api/v1/businesses/{business.id}", agent_headers)[0] == 404
    session.execute(BusinessLink.__table__.update().where(BusinessLink.citizen_id == agent.id)
                    .values(expires_at=MONDAY_8AM + timedelta(days=30)))
    session.execute(Citizen.__table__.update().where(Citizen.id == agent.id).values(verified_id_hash=None))
    session.commit()
    assert web.call("GET", f"/api/v1/businesses/{business.id}", agent_headers)[0] == 404


def test_attack_7_a_video_of_a_thousand_nested_boxes_is_refused_not_a_crash(web, committed_db, cipher):
    session = committed_db.session
    citizen = citizen_with_identity(session, cipher, 907, name="孙丽")
    headers = bearer(session, citizen)
    session.commit()
    crafted = nested_traks(1200)
    answered = requests.post(f"{web.base}/api/v1/files", headers=headers, timeout=30,
                             data={"purpose": "inspection"}, files={"file": ("v.mp4", crafted, "video/mp4")})
    assert answered.status_code == 422, answered.text
    assert answered.json()["error"]["message"].startswith("视频文件")
