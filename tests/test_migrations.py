"""One migration head; upgrade and downgrade both work; the models match the migrations."""

import base64
import importlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from miniapp_api.bootstrap import load_all_models
from miniapp_api.certificates.signing import KeyRing
from miniapp_api.migrations import downgrade, heads, upgrade
from miniapp_api.platform import audit
from tests.conftest import recreate_database


def psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def test_exactly_one_head():
    assert len(heads()) == 1


def test_upgrade_then_downgrade_to_base(servers):
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url)
    engine = create_engine(url)
    try:
        assert {"citizen", "auth_session", "centre", "service_item"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), load_all_models().metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(url)
        assert "citizen" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_rename_to_rating_keeps_every_row_and_its_links(servers):
    """0007 renames evaluation → rating in place: the rows, the rectification's link and its source stay."""
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url, "0006")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("""
                WITH c AS (INSERT INTO citizen (openid) VALUES ('o-rename') RETURNING id),
                     h AS (INSERT INTO centre (name, level, region) VALUES ('某中心', 'district', '某区') RETURNING id),
                     e AS (INSERT INTO evaluation (citizen_id, target_type, target_id, round, level, tags, channel,
                                                  centre_id, validity, invalidation)
                           SELECT c.id, 'application', 7, 0, 1, '[]', 'miniapp', h.id, 'valid', '{}' FROM c, h
                           RETURNING id, citizen_id, centre_id)
                INSERT INTO rectification (source_type, source_id, evaluation_id, citizen_id, centre_id, status,
                                           summary, verify_due_on, fix_due_on, rated_on, escalation_level, revisits,
                                           updated_at)
                SELECT 'evaluation', e.id, e.id, e.citizen_id, e.centre_id, 'open', '差评', '2026-11-24',
                       '2026-11-30', '2026-11-23', 0, 0, '2026-11-23T00:00:00Z' FROM e"""))
        upgrade(url)
        with engine.connect() as connection:
            rating_id, level = connection.execute(text("SELECT id, level FROM rating")).one()
            linked = connection.execute(text("SELECT rating_id, source_type, source_id FROM rectification")).one()
        assert level == 1 and tuple(linked) == (rating_id, "rating", rating_id)
        assert "evaluation" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_identity_migration_leaves_old_profiles_unverified_and_no_shows_accountable(servers):
    """0008: a profile typed in before face verification existed is a claim (unverified, still there); an old
    appointment's no-shows count against the person when booked for oneself, else against the booking account."""
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url, "0007")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("""
                WITH c AS (INSERT INTO citizen (openid, real_name, id_number_hash) VALUES ('o-old', '老用户', 'h-self')
                           RETURNING id),
                     h AS (INSERT INTO centre (name, level, region) VALUES ('某中心', 'district', '某区') RETURNING id),
                     w AS (INSERT INTO service_window (centre_id, name, kind, counters, slot_minutes)
                           SELECT h.id, '一号窗口', 'general', 1, 15 FROM h RETURNING id, centre_id)
                INSERT INTO appointment (citizen_id, person_hash, person_name, proxy_relation, centre_id, window_id,
                                         service_date, starts_at, ends_at, status)
                SELECT c.id, x.person, '某人', x.relation, w.centre_id, w.id, '2026-11-24', '2026-11-24T01:00Z',
                       '2026-11-24T01:15Z', 'no_show'
                FROM c, w, (VALUES ('h-self', NULL), ('h-parent', '父母')) AS x(person, relation)"""))
        upgrade(url, "0008")    # what 0008 did (0024 later makes such a typed self-booking the account's own)
        with engine.connect() as connection:
            citizen = connection.execute(text(
                "SELECT id, real_name, id_number_hash, verified_id_hash, verified_at FROM citizen")).one()
            accountable = dict(connection.execute(text("SELECT person_hash, accountable_hash FROM appointment")).all())
    finally:
        engine.dispose()
    assert (citizen.real_name, citizen.id_number_hash) == ("老用户", "h-self")
    assert citizen.verified_id_hash is None and citizen.verified_at is None
    assert accountable == {"h-self": "h-self", "h-parent": f"account:{citizen.id}"}


def test_authority_migration_rekeys_bookings_by_name_to_the_booker_and_gives_agent_links_an_expiry(servers):
    """0024: a booking made for someone by typing their ID number stops counting against that number (re-keyed to
    the booking account, the typed hash kept only to show it to the person named); one's own booking and a
    relative's (whose authorisation was erased) stay as they were; one booked for oneself under a number never
    verified becomes the account's own; agent links get a year from confirmation,
    and never less than 30 days from the upgrade."""
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url, "0023")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            booker = connection.execute(text(
                "INSERT INTO citizen (openid, verified_id_hash) VALUES ('o-booker', 'h-self') RETURNING id")).scalar()
            centre = connection.execute(text(
                "INSERT INTO centre (name, level, region) VALUES ('某中心', 'district', '某区') RETURNING id")).scalar()
            window = connection.execute(text(
                "INSERT INTO service_window (centre_id, name, kind, counters, slot_minutes) "
                "VALUES (:c, '一号窗口', 'general', 1, 15) RETURNING id"), {"c": centre}).scalar()
            item = connection.execute(text(
                "INSERT INTO service_item (code, name, audience, high_frequency) "
                "VALUES ('SD0001', '某事项', 'citizen', false) RETURNING id")).scalar()
            for person, phone, relation in (("h-self", None, None), ("h-victim", "enc-phone", "朋友"),
                                            ("h-mother", None, "父母"), ("h-typed", None, None)):
                appointment = connection.execute(text("""
                    INSERT INTO appointment (citizen_id, person_hash, person_name, accountable_hash, proxy_phone_enc,
                                             proxy_relation, centre_id, window_id, service_date, starts_at, ends_at,
                                             status)
                    VALUES (:b, :p, '某人', :a, :phone, :rel, :c, :w, '2026-11-24', '2026-11-24T01:00Z',
                            '2026-11-24T01:15Z', 'booked') RETURNING id"""), dict(
                    b=booker, p=person, a=person if phone is None else f"account:{booker}", phone=phone, rel=relation,
                    c=centre, w=window)).scalar()
                connection.execute(text("INSERT INTO appointment_item (appointment_id, item_id, person_hash, "
                                        "service_date, active) VALUES (:a, :i, :p, '2026-11-24', true)"),
                                   dict(a=appointment, i=item, p=person))
            business = connection.execute(text("""
                INSERT INTO business (credit_code, name, kind, industry_code, size_class, address, region,
                                      registered_on, representative_name)
                VALUES ('91371500MA0000001X', '某公司', 'enterprise', 'H62', 'micro', '聊城', '371502', '2020-01-01',
                        '某人') RETURNING id""")).scalar()
            for role, created in (("agent", "2020-01-01T00:00Z"), ("agent", "now"), ("representative", "now")):
                citizen = connection.execute(text(
                    "INSERT INTO citizen (openid) VALUES (:o) RETURNING id"), {"o": f"o-{role}-{created}"}).scalar()
                connection.execute(text("INSERT INTO business_link (business_id, citizen_id, role, source, created_at) "
                                        "VALUES (:b, :c, :r, 'counter', CAST(:t AS timestamptz))"),
                                   dict(b=business, c=citizen, r=role, t=created))
        upgrade(url)
        with engine.connect() as connection:
            keys = {row.named_id_hash or row.person_hash: row for row in connection.execute(text(
                "SELECT a.person_hash, a.named_id_hash, a.accountable_hash, i.person_hash AS item_hash "
                "FROM appointment a JOIN appointment_item i ON i.appointment_id = a.id"))}
            links = connection.execute(text(
                "SELECT role, expires_at - now() AS left, expires_at - created_at AS term FROM business_link "
                "ORDER BY id")).all()
    finally:
        engine.dispose()
    assert (keys["h-self"].person_hash, keys["h-self"].named_id_hash) == ("h-self", None)
    assert (keys["h-mother"].person_hash, keys["h-mother"].named_id_hash) == ("h-mother", None)
    # Booked for oneself under a number the account typed but never verified (before 0008): the account's own.
    typed = keys[f"account:{booker}"]
    assert typed.person_hash == typed.item_hash == typed.accountable_hash == f"account:{booker}"
    named = keys["h-victim"]
    assert named.person_hash == named.item_hash == f"named:{booker}:h-victim"
    assert (named.named_id_hash, named.accountable_hash) == ("h-victim", f"account:{booker}")
    old_agent, new_agent, representative = links
    assert timedelta(days=29) < old_agent.left <= timedelta(days=30)     # long past its year: 30 days' notice
    assert new_agent.term == timedelta(days=365)
    assert representative.left is None


def test_closures_migration_marks_the_slots_of_closures_already_made(servers):
    """0026: a closure made before closures marked slots (a whole day, then) marks that day's slots at its centre,
    no other day's and no other centre's."""
    before = importlib.import_module("miniapp_api.migrations.versions.0026_closures").down_revision
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url, before)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            centres = [connection.execute(text(
                "INSERT INTO centre (name, level, region) VALUES (:n, 'district', '某区') RETURNING id"),
                {"n": name}).scalar() for name in ("甲中心", "乙中心")]
            for centre in centres:
                window = connection.execute(text(
                    "INSERT INTO service_window (centre_id, name, kind, counters, slot_minutes) "
                    "VALUES (:c, '一号窗口', 'general', 1, 15) RETURNING id"), {"c": centre}).scalar()
                for starts in ("2026-11-24T01:00Z", "2026-11-24T15:30Z", "2026-11-25T01:00Z"):
                    connection.execute(text(
                        "INSERT INTO slot (window_id, centre_id, starts_at, ends_at, capacity, booked) VALUES "
                        "(:w, :c, CAST(:s AS timestamptz), CAST(:s AS timestamptz) + interval '15 minutes', 1, 0)"),
                        {"w": window, "c": centre, "s": starts})
            connection.execute(text("INSERT INTO centre_closure (centre_id, day, reason) VALUES (:c, '2026-11-24', "
                                    "'系统升级')"), {"c": centres[0]})
        upgrade(url)
        with engine.connect() as connection:
            marked = connection.execute(text(
                "SELECT centre_id, starts_at FROM slot WHERE closure_id IS NOT NULL ORDER BY starts_at")).all()
            closure = connection.execute(text("SELECT created_by, cancelled, lifted_at FROM centre_closure")).one()
    finally:
        engine.dispose()
    # The 24th in Shanghai: 09:00 and 23:30 there (01:00 and 15:30 UTC); 01:00 UTC on the 25th is the 25th there.
    assert [(c, s.isoformat()) for c, s in marked] == [(centres[0], "2026-11-24T01:00:00+00:00"),
                                                       (centres[0], "2026-11-24T15:30:00+00:00")]
    assert tuple(closure) == ("system", 0, None)


def test_audit_chain_migration_chains_existing_rows_in_id_order_and_guards_them(servers):
    """0025: rows written before the chain get their digests in id order, exactly as platform/audit.py makes
    them (verification passes); afterwards the database refuses to edit them."""
    url = psycopg_url(recreate_database(servers.admin_postgres_url, "banshi_migrations"))
    upgrade(url, "0024")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for n, detail in enumerate(('{"reason": "本人说明情况", "n": 1.5}', '{}', '{"ids": [1, 2], "ok": true}')):
                connection.execute(text(
                    "INSERT INTO audit_log (actor, action, subject_type, subject_id, detail, created_at) "
                    "VALUES ('staff:1', 'login', 'staff', :n, CAST(:d AS jsonb), :at)"),
                    {"n": str(n), "d": detail, "at": f"2026-11-2{n}T08:00:00.12345{n}+08:00"})
        upgrade(url)
        with Session(engine) as session:
            ring = KeyRing.of(base64.b64encode(secrets.token_bytes(32)).decode())
            report = audit.verify(session, ring, datetime(2026, 11, 21, 4, tzinfo=UTC))   # no seal due yet
            rows = session.execute(text("SELECT prev_digest, digest FROM audit_log ORDER BY id")).all()
        assert (report.intact, report.rows) == (True, 3), [b.describe() for b in report.breaks]
        assert rows[0].prev_digest == audit.GENESIS and rows[1].prev_digest == rows[0].digest
        with engine.begin() as connection, pytest.raises(DBAPIError, match="never updated"):
            connection.execute(text("UPDATE audit_log SET action = 'x'"))
    finally:
        engine.dispose()
