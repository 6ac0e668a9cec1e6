"""At the hall: "前面还有 N 人" when the people ahead drop to N, "请到窗口" when called — in-app and on WeChat with
consent, urgent (no quiet hours), each once per ticket, and never sent once its moment has passed."""

from datetime import timedelta

from sqlalchemy import select

from miniapp_api.appointments import queue
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications import delivery
from miniapp_api.notifications.delivery import Outcome
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from miniapp_api.notifications.templates import load_templates
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import citizen_with_identity

NINE = MONDAY_8AM + timedelta(hours=1)
NIGHT = MONDAY_8AM + timedelta(hours=14)          # 22:00 Shanghai: inside quiet hours
QUEUE_TEMPLATE = load_templates()["queue_call"].template_id


def queue_of(db_session, cipher, hall, people: int, *, anonymous_at: int | None = None):
    tickets = []
    for n in range(people):
        citizen = None if n == anonymous_at else citizen_with_identity(db_session, cipher, 4000 + n)
        tickets.append(queue.issue_ticket(db_session, window=hall.general, item_id=hall.quick.id, now=NINE,
                                          citizen_id=citizen.id if citizen else None))
    return tickets


def pushes(db_session, kind: str) -> list[tuple[int, str]]:
    return [(n.citizen_id, n.body) for n in db_session.scalars(
        select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def test_each_ticket_hears_near_and_called_once(db_session, cipher, hall):
    tickets = queue_of(db_session, cipher, hall, 6, anonymous_at=2)
    first = queue.call_next(db_session, window_id=hall.general.id, now=NINE, near_ahead=2)
    assert first.id == tickets[0].id
    window = f"{hall.centre.name}{hall.general.name}"
    assert pushes(db_session, "queue_called") == [(tickets[0].citizen_id, f"请{first.number}号到{window}办理。")]
    # Behind it: ticket 1 (0 ahead), ticket 2 (a walk-in without an account: nobody to tell), ticket 3 (2 ahead).
    assert pushes(db_session, "queue_near") == [
        (tickets[1].citizen_id, f"您的号码{tickets[1].number}是下一个，请到{window}附近等候，留意叫号。"),
        (tickets[3].citizen_id, f"您的号码{tickets[3].number}前面还有2人，请到{window}附近等候，留意叫号。")]
    queue.call_next(db_session, window_id=hall.general.id, now=NINE, near_ahead=2)
    queue.recall(db_session, window_id=hall.general.id, ticket_id=tickets[1].id, now=NINE)
    near = [citizen for citizen, _ in pushes(db_session, "queue_near")]
    assert near == [tickets[1].citizen_id, tickets[3].citizen_id, tickets[4].citizen_id]   # once each
    assert [c for c, _ in pushes(db_session, "queue_called")] == [tickets[0].citizen_id, tickets[1].citizen_id]
    assert all(n.urgent for n in db_session.scalars(select(Notification)))


def test_a_push_whose_moment_passed_is_not_sent(db_session, cipher, hall):
    tickets = queue_of(db_session, cipher, hall, 3)
    queue.call_next(db_session, window_id=hall.general.id, now=NINE, near_ahead=3)
    near = db_session.scalars(select(Notification).where(Notification.kind == "queue_near")).all()
    called = db_session.scalars(select(Notification).where(Notification.kind == "queue_called")).one()
    assert queue.gone_queue_pushes(db_session, [*near, called]) == set()
    tickets[1].status = "served"              # served before the worker got to its push
    tickets[0].status = "missed"
    db_session.flush()
    gone = queue.gone_queue_pushes(db_session, [*near, called])
    assert gone == {called.id, next(n.id for n in near if n.subject_id == tickets[1].id)}


def test_delivered_at_night_on_wechat_with_consent(db_session, cipher, hall, gateway, wechat):
    tickets = queue_of(db_session, cipher, hall, 2)
    holder = tickets[1]
    openid = db_session.scalar(select(Citizen.openid).where(Citizen.id == holder.citizen_id))
    wechat.state.session_keys[openid] = "session-key"
    wechat.control("POST", "consents", openid=openid, template_id=QUEUE_TEMPLATE, kind="one_time", count=1)
    record_consents(db_session, holder.citizen_id, {QUEUE_TEMPLATE: "accept"}, NIGHT)
    queue.call_next(db_session, window_id=hall.general.id, now=NIGHT, near_ahead=3)
    db_session.commit()
    note = db_session.scalars(select(Notification).where(Notification.citizen_id == holder.citizen_id)).one()
    assert note.kind == "queue_near" and note.deliver_after <= NIGHT
    assert delivery.deliver(db_session, gateway, note.id, NIGHT).outcome is Outcome.SENT
    sent = wechat.inbox(openid=openid)
    assert [m["template_id"] for m in sent] == [QUEUE_TEMPLATE]
    assert sent[0]["data"]["thing4"] == "下一个就是您" and sent[0]["data"]["thing2"] == hall.general.name
