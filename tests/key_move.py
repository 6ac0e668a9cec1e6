"""A store written under the intl suite, and `banshi keys rotate` run on it as an operator would (tests of the
key move and of its logs)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from config.settings import new_data_key, new_signing_key, parse_data_keys
from miniapp_api.appointments import services as appointments
from miniapp_api.citizens.services import PHONE_CONTEXT, set_phone
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.policies.models import PersonFact
from miniapp_api.policies.services import ACCOUNT_CONTEXT
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, business_with_agent, citizen_with_identity, id_number, policy_world

PEOPLE = 30
FIRST = 3000
INTL_KEYS = "k1:" + new_data_key()
MOVING_KEYS = "g2:" + new_data_key("gm") + "," + INTL_KEYS
SLOT_TIMES = [f"2026-11-24 {h:02d}:{m:02d}" for h in (9, 10, 11) for m in (0, 15, 30, 45)]


def phone(n: int) -> str:
    return f"139{n:08d}"


def rotate_env(process_env: dict, app) -> dict:
    """The settings of the move: gm, its key first and the intl key after it, a new SM2 signing key, and the
    key in use until now retired."""
    return dict(process_env, CRYPTO_SUITE="gm", DATA_KEY=MOVING_KEYS, CERTIFICATE_SIGNING_KEY=new_signing_key("gm"),
                CERTIFICATE_RETIRED_KEYS=app.extensions["banshi.keyring"].signer.public_base64(), LOG_JSON="true")


def run_rotate(env: dict, *extra: str, wait: bool = True):
    command = [sys.executable, "-m", "miniapp_api.cli", "keys", "rotate", *extra]
    if wait:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def intl_store(app, committed_db):
    """A store written under intl: verified people with phones, their bookings, a booking by name, a business and
    imported facts keyed by hash alone."""
    intl = FieldCipher(parse_data_keys(INTL_KEYS))
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=2)
    people = [citizen_with_identity(session, intl, FIRST + n) for n in range(PEOPLE)]
    for n, person in enumerate(people):
        set_phone(intl, person, phone(n))
    business, _, _ = business_with_agent(session, intl, FIRST + PEOPLE, now=MONDAY_8AM)
    session.add_all([PersonFact(id_hash=p.verified_id_hash, birth_date=date(1980, 1, 1), hukou_region="371502",
                                updated_at=MONDAY_8AM) for p in people[:10]])
    for n in range(4):   # booked before the move, on the 25th
        appointments.book_appointment(session, citizen_id=people[n].id, person=appointments.person_for_self(
            people[n], intl), slot_id=hall.slot(session, hall.general, f"2026-11-25 09:{15 * n:02d}").id,
            item_codes=[hall.quick.code], now=MONDAY_8AM)
    by_name = appointments.person_for_other(session, intl, people[5], name="赵六", id_number=id_number(FIRST + 6),
                                            phone=phone(6), relation="亲属")
    appointments.book_appointment(session, citizen_id=people[5].id, person=by_name,
                                  slot_id=hall.slot(session, hall.general, "2026-11-25 10:00").id,
                                  item_codes=[hall.quick.code], now=MONDAY_8AM)
    grant = policy_world(session, hall.centre, people[7])["grant"]   # 快申快享: a phone sealed inside the form
    grant.account_enc = intl.encrypt("6222020000001234", context=ACCOUNT_CONTEXT)
    grant.form = {"phone": "139****0007", "phone_enc": intl.encrypt(phone(7), context=PHONE_CONTEXT), "note": ""}
    session.commit()
    return hall, [p.id for p in people], business, session
