"""One migration head; upgrade and downgrade both work; the models match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from miniapp_api.bootstrap import load_all_models
from miniapp_api.migrations import downgrade, heads, upgrade
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
