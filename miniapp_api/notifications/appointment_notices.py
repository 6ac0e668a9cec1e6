"""What an appointment's life tells its citizen: confirmations and the two reminders.

Called by the appointment services inside their transaction (the dependency runs
one way: appointments → notifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from miniapp_api.notifications import messages
from miniapp_api.notifications.services import (
    Draft,
    cancel_pending,
    day_before_reminder_time,
    insert_drafts,
)
from miniapp_api.platform.clock import chinese_time, local

HOUR_BEFORE = timedelta(hours=1)
PAGE = "pages/appointments/detail?id={id}"


def cause_marker(appointment) -> str:
    """A reminder is for this appointment at this time and nothing else."""
    return f"{appointment.id}@{int(appointment.starts_at.timestamp())}"


def _context(appointment, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    starts = local(appointment.starts_at)
    items = "、".join(line.item.name for line in appointment.lines)
    materials = [m for line in appointment.lines for m in line.item.materials]
    key_materials = [m["name"] for m in materials if m.get("key")]
    bring = messages.BRING_MORE if len(key_materials) < len(materials) else messages.BRING
    centre = appointment.centre
    text = {
        "starts": chinese_time(appointment.starts_at), "time": starts.strftime("%H:%M"), "centre": centre.name,
        "window": appointment.window.name, "items": items,
        "bring": (bring.format(materials="、".join(dict.fromkeys(key_materials))) if key_materials
                  else messages.BRING_GUIDE if materials else ""),
        "address": messages.ADDRESS.format(address=centre.address) if centre.address else "",
    }
    fields = {"items": items, "starts_at": text["starts"], "centre": centre.name,
              "status": messages.STATUS_PHRASES.get(kind, ""), "tip": messages.REMINDER_TIP}
    return text, fields


def _drafts(appointment, kind: str, body_template: str, to: Sequence[int] | None, *,
            deliver_after: datetime | None = None, dedupe: bool = False,
            extra: dict[str, str] | None = None, page: str | None = None,
            fields: dict[str, str] | None = None) -> list[Draft]:
    """One draft per recipient (`to`; by default the account that booked). What is done for someone reaches
    them too (the relative it was booked for, the person named), each with their own dedupe key."""
    text, context = _context(appointment, kind)
    text.update(extra or {})
    context.update(fields or {})
    drafts = []
    for citizen_id in dict.fromkeys(to if to is not None else [appointment.citizen_id]):
        key = f"appointment:{appointment.id}:{kind}"
        if citizen_id != appointment.citizen_id:
            key += f":to:{citizen_id}"
        body = body_template.format(**text)
        if citizen_id != appointment.citizen_id:
            body = messages.FOR_YOU_PREFIX.format(name=appointment.person_name) + body
        drafts.append(Draft(citizen_id=citizen_id, kind=kind, context=context, title=messages.TITLES[kind], body=body,
                            page=page or PAGE.format(id=appointment.id), deliver_after=deliver_after,
                            subject=("appointment", appointment.id), cause_marker=cause_marker(appointment),
                            dedupe_key=key if dedupe else None))
    return drafts


def _send(session: Session, appointment, kind: str, body_template: str, now: datetime, to: Sequence[int] | None,
          **options) -> None:
    drafts = _drafts(appointment, kind, body_template, to, **options)
    if drafts:
        insert_drafts(session, drafts, now)


def reminder_drafts(appointment, now: datetime, to: Sequence[int] | None = None) -> list[Draft]:
    """The day-before and hour-before reminders that are still ahead."""
    drafts = []
    day_before = day_before_reminder_time(appointment.starts_at)
    if day_before > now:
        drafts += _drafts(appointment, "appointment_reminder_day", messages.REMINDER_DAY_BODY, to,
                          deliver_after=day_before, dedupe=True)
    hour_before = appointment.starts_at - HOUR_BEFORE
    if hour_before > now:
        drafts += _drafts(appointment, "appointment_reminder_hour", messages.REMINDER_HOUR_BODY, to,
                          deliver_after=hour_before, dedupe=True)
    return drafts


def booked_drafts(appointment, now: datetime, to: Sequence[int] | None = None) -> list[Draft]:
    """The confirmation and the reminders of a new booking: the booking writes them in its own statement."""
    return [*_drafts(appointment, "appointment_booked", messages.BOOKED_BODY, to, dedupe=True),
            *reminder_drafts(appointment, now, to)]


def schedule_reminders(session: Session, appointment, now: datetime, to: Sequence[int] | None = None) -> None:
    drafts = reminder_drafts(appointment, now, to)
    if drafts:
        insert_drafts(session, drafts, now)


def appointment_cancelled(session: Session, appointment, now: datetime, reason: str | None,
                          to: Sequence[int] | None = None) -> None:
    cancel_pending(session, ("appointment", appointment.id), "appointment_cancelled")
    _send(session, appointment, "appointment_cancelled", messages.CANCELLED_BODY, now, to, dedupe=True,
          extra={"reason": messages.CANCEL_REASON.format(reason=reason) if reason else ""})


def appointment_closed(session: Session, appointment, now: datetime, *, reason: str, when: str, alternative: str,
                       page: str | None, to: Sequence[int] | None = None) -> None:
    """A closure (暂停服务) cancelled the booking: why, that it costs the person nothing, and where to book again
    (`page`: the booking page opened on the earliest equivalent slot; None: the appointment)."""
    cancel_pending(session, ("appointment", appointment.id), "appointment_closed")
    _send(session, appointment, "appointment_closed", messages.CLOSED_BODY, now, to, dedupe=True, page=page,
          extra={"reason": reason, "when": when, "alternative": alternative},
          fields={"tip": messages.CLOSED_TIP})


def waitlist_closed(session: Session, entry, now: datetime, *, reason: str, when: str, centre: str,
                    starts: datetime) -> None:
    """A closure ended a waitlist entry whose days it covered (`starts`: when the closed day would have opened,
    for the template's time field, which takes a clock time)."""
    dates = entry.date_from.strftime("%m月%d日")
    if entry.date_to != entry.date_from:
        dates += "–" + entry.date_to.strftime("%m月%d日")
    text = {"reason": reason, "when": when, "centre": centre, "dates": dates, "items": entry.item.name}
    context = {"items": entry.item.name, "starts_at": chinese_time(starts), "centre": centre,
               "tip": messages.WAITLIST_CLOSED_TIP}
    insert_drafts(session, [Draft(citizen_id=entry.citizen_id, kind="waitlist_lapsed", context=context,
                                  title=messages.TITLES["waitlist_lapsed"],
                                  body=messages.WAITLIST_CLOSED_BODY.format(**text), page="pages/waitlist/index",
                                  subject=("waitlist_entry", entry.id),
                                  dedupe_key=f"waitlist_entry:{entry.id}:closed")], now)


def appointment_rescheduled(session: Session, old, new, now: datetime, to: Sequence[int] | None = None) -> None:
    cancel_pending(session, ("appointment", old.id), "appointment_rescheduled")
    _send(session, new, "appointment_rescheduled", messages.RESCHEDULED_BODY, now, to, dedupe=True)
    schedule_reminders(session, new, now, to)


# --- at the hall: "前面还有 3 人" and "请到 X 号窗口" --------------------------------------------------------------


def _ticket_draft(ticket, kind: str, body: str, tip: str, **extra: str) -> Draft:
    window = ticket.window
    text = {"number": ticket.number, "window": window.name, "centre": window.centre.name, **extra}
    page = PAGE.format(id=ticket.appointment_id) if ticket.appointment_id else None
    return Draft(citizen_id=ticket.citizen_id, kind=kind, context={**text, "tip": tip.format(**text)},
                 title=messages.TITLES[kind], body=body.format(**text), page=page, subject=("ticket", ticket.id),
                 dedupe_key=f"ticket:{ticket.id}:{kind}")


def queue_drafts(called, ahead_of: list[tuple[int, object]]) -> list[Draft]:
    """The called ticket's 请到窗口, and 前面还有 N 人 for each (people ahead, ticket) given; each ticket hears
    each once (the dedupe key), however often the counter calls."""
    drafts = []
    if called.citizen_id:
        drafts.append(_ticket_draft(called, "queue_called", messages.QUEUE_CALLED_BODY, messages.QUEUE_CALLED_TIP))
    drafts += [_ticket_draft(ticket, "queue_near", messages.QUEUE_NEAR_BODY if ahead else messages.QUEUE_NEXT_BODY,
                             messages.QUEUE_NEAR_TIP if ahead else messages.QUEUE_NEXT_TIP, ahead=str(ahead))
               for ahead, ticket in ahead_of if ticket.citizen_id]
    return drafts


# --- the waitlist: 候补成功 (a seat held until a time) and its lapse -------------------------------------------------

WAITLIST_PAGE = "pages/waitlist/index?offer={id}"


def _offer_draft(offer, kind: str, body: str, tip: str) -> Draft:
    slot, entry = offer.slot, offer.entry
    starts = local(slot.starts_at)
    text = {"starts": starts.strftime("%m月%d日 %H:%M"), "centre": slot.window.centre.name, "window": slot.window.name,
            "items": entry.item.name, "expires": local(offer.expires_at).strftime("%H:%M")}
    context = {"items": entry.item.name, "starts_at": chinese_time(slot.starts_at),
               "centre": slot.window.centre.name, "tip": tip.format(**text)}
    # The message waits for the end of quiet hours like any other; the hold was counted from then (seats.py).
    return Draft(citizen_id=entry.citizen_id, kind=kind, context=context, title=messages.TITLES[kind],
                 body=body.format(**text), page=WAITLIST_PAGE.format(id=offer.id), subject=("waitlist_offer", offer.id),
                 dedupe_key=f"waitlist_offer:{offer.id}:{kind}")


def waitlist_offered(session: Session, offer, now: datetime) -> None:
    insert_drafts(session, [_offer_draft(offer, "waitlist_offer", messages.WAITLIST_OFFER_BODY,
                                         messages.WAITLIST_OFFER_TIP)], now)


def offer_withdrawn(session: Session, offer, now: datetime, *, reason: str) -> None:
    """A closure took the held seat; the entry stays in line (its own title and tip: not 候补已失效)."""
    cancel_pending(session, ("waitlist_offer", offer.id), "offer_withdrawn")
    draft = _offer_draft(offer, "waitlist_lapsed", messages.WAITLIST_WITHDRAWN_BODY.replace(
        "{reason}", reason.replace("{", "{{").replace("}", "}}")), messages.WAITLIST_WITHDRAWN_TIP)
    insert_drafts(session, [replace(draft, title=messages.WAITLIST_WITHDRAWN_TITLE)], now)


def waitlist_lapsed(session: Session, offer, now: datetime) -> None:
    cancel_pending(session, ("waitlist_offer", offer.id), "waitlist_lapsed")
    insert_drafts(session, [_offer_draft(offer, "waitlist_lapsed", messages.WAITLIST_LAPSED_BODY,
                                         messages.WAITLIST_LAPSED_TIP)], now)
