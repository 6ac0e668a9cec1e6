"""catalogue version: one counter bumped by triggers whenever what a booking reads as catalogue changes (centres,
windows, window items, items, and a slot's closure, capacity, times or deletion), so a process may hold that
catalogue in memory and know it current from a value read inside a statement the booking runs anyway

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-05 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0029'
branch_labels = None
depends_on = None

# The values come from a sequence no table owns, so they never repeat, even after the row is emptied (the test
# suite's TRUNCATE … RESTART IDENTITY) or a bump is rolled back: a version names one state of the catalogue.
# The row itself is transactional: readers see a new value only once the change that made it commits.
BUMP = """
CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalogue_version (id, version) VALUES (1, nextval('catalogue_version_seq'))
    ON CONFLICT (id) DO UPDATE SET version = nextval('catalogue_version_seq');
    RETURN NULL;
END $$"""

STATEMENT_TABLES = ("centre", "service_window", "window_item", "service_item")


def upgrade() -> None:
    op.create_table('catalogue_version',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_catalogue_version_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version'))
    )
    op.execute("CREATE SEQUENCE catalogue_version_seq")
    op.execute("INSERT INTO catalogue_version (id, version) VALUES (1, nextval('catalogue_version_seq'))")
    op.execute(BUMP)
    for table in STATEMENT_TABLES:
        op.execute(f"CREATE TRIGGER bump_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version()")
    # A booking's UPDATE of `booked` must not bump it (every booking would empty every cache): only the columns a
    # booking reads from its cached slot, row by row, and deletions.
    op.execute("CREATE TRIGGER bump_catalogue_version AFTER UPDATE ON slot FOR EACH ROW "
               "WHEN (OLD.closure_id IS DISTINCT FROM NEW.closure_id OR OLD.capacity IS DISTINCT FROM NEW.capacity "
               "OR OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at "
               "OR OLD.window_id IS DISTINCT FROM NEW.window_id OR OLD.centre_id IS DISTINCT FROM NEW.centre_id) "
               "EXECUTE FUNCTION bump_catalogue_version()")
    op.execute("CREATE TRIGGER bump_catalogue_version_deleted AFTER DELETE OR TRUNCATE ON slot FOR EACH STATEMENT "
               "EXECUTE FUNCTION bump_catalogue_version()")


def downgrade() -> None:
    op.execute("DROP TRIGGER bump_catalogue_version_deleted ON slot")
    op.execute("DROP TRIGGER bump_catalogue_version ON slot")
    for table in STATEMENT_TABLES:
        op.execute(f"DROP TRIGGER bump_catalogue_version ON {table}")
    op.execute("DROP FUNCTION bump_catalogue_version()")
    op.drop_table('catalogue_version')
    op.execute("DROP SEQUENCE catalogue_version_seq")
