"""One migration head; upgrade and downgrade both work; the models match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
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
