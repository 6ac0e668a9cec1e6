"""`banshi keys rotate`: a populated store moved from intl to gm while bookings and lookups run on it."""

from __future__ import annotations

import threading

import pytest

from sqlalchemy import func, select

from config.settings import parse_data_keys
from miniapp_api.appointments import services as appointments
from miniapp_api.appointments.models import Appointment
from miniapp_api.bootstrap import load_all_models
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.services import verified_citizen_by_id_number
from miniapp_api.keys import HASHED, INTL_HASH, SEALED, SEALED_IN_JSON, label, leftovers, rotate
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import FieldCipher, is_gm_hash
from miniapp_api.policies.models import PersonFact, PolicyGrant
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt
from tests.factories import id_number
from tests.key_move import FIRST, MOVING_KEYS, PEOPLE, SLOT_TIMES, phone, rotate_env, run_rotate


def test_every_sealed_and_hash_column_of_the_models_is_moved():
    """A new `*_enc` or lookup-hash column must join keys.py, or a rotation would leave it behind."""
    tables = load_all_models().metadata.tables.values()
    sealed = {f"{t.name}.{c.name}" for t in tables for c in t.columns if c.name.endswith("_enc")}
    assert sealed == {f"{c.table.name}.{c.name}" for c, _ in SEALED}
    not_lookups = {"token_hash", "code_hash", "password_hash"}   # hashes of random tokens, not of personal numbers
    hashed = {f"{t.name}.{c.name}" for t in tables for c in t.columns
              if c.name.endswith("_hash") and c.name not in not_lookups}
    assert hashed == {f"{c.table.name}.{c.name}" for c in HASHED}
    assert [f"{c.table.name}.{c.name}.{name}" for c, name, _ in SEALED_IN_JSON] == ["policy_grant.form.phone_enc"]


def test_a_move_from_intl_to_gm_while_bookings_run_leaves_nobody_unfound_and_nothing_under_the_old_key(
        app, intl_store, connections, process_env, monkeypatch):
    hall, people, business, session = intl_store
    moving = FieldCipher(parse_data_keys(MOVING_KEYS))
    monkeypatch.setitem(app.extensions, "banshi.cipher", moving)
    slots = [hall.slot(session, hall.general, at).id for at in SLOT_TIMES]
    session.commit()
    env = rotate_env(process_env, app)
    mover = run_rotate(env, "--chunk", "3", wait=False)
    done = threading.Event()
    unfound: list[str] = []
    lookups = [0]

    def look_everyone_up() -> None:
        while not done.is_set():
            with connections() as own:
                for n in range(PEOPLE):
                    found = verified_citizen_by_id_number(own, moving, id_number(FIRST + n))
                    if found is None or found.id != people[n]:
                        unfound.append(f"person {n}")
                    own.rollback()
                lookups[0] += 1

    def book(index: int) -> list[str]:
        outcomes = []
        for turn in range(len(slots)):
            n = (index * 7 + turn) % PEOPLE

            def booking(own) -> str:
                citizen = own.get(Citizen, people[n])
                appointments.book_appointment(own, citizen_id=citizen.id,
                                              person=appointments.person_for_self(citizen, moving),
                                              slot_id=slots[turn], item_codes=[hall.quick.code], now=MONDAY_8AM)
                return "booked"

            outcomes.append(attempt(connections, booking))
        return outcomes

    lookers = [threading.Thread(target=look_everyone_up) for _ in range(2)]
    results: list[list[str]] = [[] for _ in range(3)]
    bookers = [threading.Thread(target=lambda i=i: results.__setitem__(i, book(i))) for i in range(3)]
    for thread in (*lookers, *bookers):
        thread.start()
    for thread in bookers:
        thread.join()
    output, errors = mover.communicate(timeout=300)
    done.set()
    for thread in lookers:
        thread.join()

    assert mover.returncode == 0, errors
    assert "re-sealed citizen.phone_enc" in output and "re-keyed lookup hashes" in output
    assert unfound == [] and lookups[0] >= 1
    made = [outcome for outcomes in results for outcome in outcomes]
    assert made.count("booked") >= 10, made

    # A booking that read a person before their move and committed after the last pass: a second run finds
    # what is left (idempotent: a run over a moved store changes nothing and says so).
    again = run_rotate(env)
    assert again.returncode == 0 and "done: every value is sealed with the current key" in again.stdout, again.stderr

    session.expire_all()
    done_cipher = FieldCipher(parse_data_keys(MOVING_KEYS), answer_old_hashes=False)
    assert leftovers(session, done_cipher).done
    gm_only = FieldCipher({"g2": parse_data_keys(MOVING_KEYS)["g2"]})
    populated = set()
    for column, context in SEALED:
        stored = session.scalars(select(column).where(column.is_not(None))).all()
        populated |= {label(column)} if stored else set()
        assert all(value.startswith("g1.g2.") for value in stored), column
        for value in stored:   # the old key is needed for none of them
            gm_only.decrypt(value, context=context)
    assert {"citizen.id_number_enc", "citizen.phone_enc", "appointment.proxy_id_number_enc",
            "appointment.proxy_phone_enc", "policy_grant.account_enc"} <= populated
    for column in HASHED:
        assert session.scalar(select(func.count()).select_from(column.table).where(column.op("~")(INTL_HASH))) == 0
    for n in range(PEOPLE):   # found by the new hash alone
        found = verified_citizen_by_id_number(session, done_cipher, id_number(FIRST + n))
        assert found is not None and found.id == people[n] and is_gm_hash(found.verified_id_hash)
        assert done_cipher.decrypt(found.phone_enc, context="citizen.phone") == phone(n)
    # Every booking keeps joining its person, those made during the move too; the booking by name follows the move.
    for appointment in session.scalars(select(Appointment)):
        citizen = session.get(Citizen, appointment.citizen_id)
        if appointment.named_id_hash is None:
            assert appointment.person_hash == citizen.verified_id_hash
        else:
            assert appointment.named_id_hash == done_cipher.lookup_hash(id_number(FIRST + 6), context="citizen.id_number")
            assert appointment.person_hash == appointments.named_key(citizen.id, appointment.named_id_hash)
    assert session.get(type(business), business.id).representative_id_hash == \
        done_cipher.lookup_hash(id_number(FIRST + PEOPLE), context="citizen.id_number")
    form = session.scalars(select(PolicyGrant.form)).one()
    assert form["phone_enc"].startswith("g1.g2.") and form["note"] == ""
    assert done_cipher.decrypt(form["phone_enc"], context="citizen.phone") == phone(7)
    facts = set(session.scalars(select(PersonFact.id_hash)))
    assert len(facts) == 10 and all(is_gm_hash(h) for h in facts)


class Stopped(Exception):
    pass


def test_a_stopped_move_resumes_and_a_value_no_key_opens_is_reported_not_retried_forever(app, intl_store):
    _, people, _, session = intl_store
    damaged = session.get(Citizen, people[0])
    damaged.phone_enc = "v1.k1." + "A" * 40   # opened by no key
    session.commit()
    moving = FieldCipher(parse_data_keys(MOVING_KEYS))
    ring = app.extensions["banshi.keyring"]
    said: list[str] = []

    def stop_after_two_chunks(line: str) -> None:
        said.append(line)
        if len(said) == 2:
            raise Stopped

    with pytest.raises(Stopped):
        rotate(db.engine, moving, ring, chunk=4, say=stop_after_two_chunks)
    session.expire_all()
    half = leftovers(session, moving)
    assert half.sealed and half.hashed   # stopped half-way: both still to do
    left = rotate(db.engine, moving, ring, chunk=4, say=said.append)
    assert left.sealed == {"citizen.phone_enc": 1} and left.hashed == {} and not left.done
    session.expire_all()
    assert session.get(Citizen, people[1]).phone_enc.startswith("g1.g2.")
    assert session.get(Citizen, people[0]).phone_enc == "v1.k1." + "A" * 40
