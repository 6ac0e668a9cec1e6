"""Factories for test data (factory-boy on the test's SQLAlchemy session) and small builders on top."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from miniapp_api.appointments.models import Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import Centre, OpeningPeriod, ServiceItem, Window
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, update_profile
from miniapp_api.clock import SHANGHAI
from miniapp_api.extensions import db
from miniapp_api.privacy import FieldCipher, id_check_digit


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CentreFactory(_Factory):
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    level = "district"
    region = "开发区"
    latitude = 36.43
    longitude = 116.05


class ItemFactory(_Factory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    audience = "citizen"
    duration_minutes = 15
    pinyin_initials = "cssx"


class WindowFactory(_Factory):
    class Meta:
        model = Window

    name = factory.Sequence(lambda n: f"窗口{n}")
    kind = "general"
    counters = 2
    slot_minutes = 15


def id_number(n: int) -> str:
    first17 = f"371502{19800101 + n % 28:08d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def citizen_with_identity(session, cipher: FieldCipher, n: int, *, name: str = "张三") -> Citizen:
    """A citizen who has filled in real name and ID number (needed to book)."""
    citizen = Citizen(openid=f"o-test-{n}")
    session.add(citizen)
    session.flush()
    return update_profile(session, cipher, citizen, real_name=name, id_number=id_number(n))


def person_hash(cipher: FieldCipher, n: int) -> str:
    return cipher.lookup_hash(id_number(n), context=ID_NUMBER_CONTEXT)


WEEKDAY_HOURS = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 0))]


@dataclass
class Hall:
    centre: Centre
    general: Window
    express: Window
    quick: ServiceItem   # 15 minutes, high-frequency: general and express windows
    slow: ServiceItem    # 40 minutes: three 15-minute slots, general window only

    def slot(self, session, window: Window, local: str) -> Slot:
        """The slot at `window` starting at local time 'YYYY-MM-DD HH:MM' (Asia/Shanghai)."""
        starts = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
        return session.scalars(select(Slot).where(Slot.window_id == window.id, Slot.starts_at == starts)).one()


def build_hall(session, now: datetime, *, counters: int = 2, weekend_hours: bool = False) -> Hall:
    centre = CentreFactory()
    for weekday in range(5):
        for opens, closes in WEEKDAY_HOURS:
            centre.hours.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))
    if weekend_hours:
        centre.hours.append(OpeningPeriod(weekday=5, opens=time(9, 0), closes=time(12, 0), label="周六服务"))
    quick = ItemFactory(high_frequency=True, duration_minutes=15)
    slow = ItemFactory(duration_minutes=40)
    general = WindowFactory(centre_id=centre.id, kind="general", counters=counters, items=[quick, slow])
    express = WindowFactory(centre_id=centre.id, kind="express", counters=1, slot_minutes=10, items=[quick])
    session.flush()
    session.expire(centre, ["windows"])
    sync_slots(session, centre.id, now)
    return Hall(centre, general, express, quick, slow)


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


STAFF_PASSWORD = "counter-Pass-2026"
_staff_numbers = itertools.count(1)


def make_staff(session, centres: list[Centre], roles: tuple[str, ...] = ("window_staff",), *,
               username: str | None = None, name: str = "王芳"):
    from miniapp_api.staff.services import create_staff

    username = username or f"staff{next(_staff_numbers)}"
    return create_staff(session, username=username, display_name=name, password=STAFF_PASSWORD, roles=list(roles),
                        centre_ids=[c.id for c in centres])


def credit_code(n: int) -> str:
    from miniapp_api.privacy import credit_check_char

    first17 = f"91371500MA{n:07d}"
    return first17 + credit_check_char(first17)
