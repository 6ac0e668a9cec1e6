"""one name per concept: the 好差评 table `evaluation` becomes `rating` (package, model and URL say ratings)

Renames the table, its sequence, constraints and indexes, the rectification's `evaluation_id` column and
its foreign key, and the subject type the rows carry. Nothing is copied: renames are catalogue changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:30:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CONSTRAINTS = ("pk_{t}", "uq_{t}_target_round", "ck_{t}_level_range", "ck_{t}_target_known", "ck_{t}_validity_known",
               "fk_{t}_centre_id_centre", "fk_{t}_citizen_id_citizen", "fk_{t}_item_id_service_item",
               "fk_{t}_staff_id_staff", "fk_{t}_window_id_service_window")
INDEXES = ("ix_{t}_centre_created", "ix_{t}_citizen_id")


def _rename(old: str, new: str) -> None:
    op.execute(f'ALTER TABLE {old} RENAME TO {new}')
    op.execute(f'ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq')
    for name in CONSTRAINTS:
        op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT {name.format(t=old)} TO {name.format(t=new)}')
    for name in INDEXES:
        op.execute(f'ALTER INDEX {name.format(t=old)} RENAME TO {name.format(t=new)}')
    op.execute(f'ALTER TABLE rectification RENAME COLUMN {old}_id TO {new}_id')
    op.execute(f'ALTER TABLE rectification RENAME CONSTRAINT fk_rectification_{old}_id_{old} '
               f'TO fk_rectification_{new}_id_{new}')
    op.execute(f"UPDATE rectification SET source_type = '{new}' WHERE source_type = '{old}'")
    op.execute(f"UPDATE audit_log SET subject_type = '{new}' WHERE subject_type = '{old}'")


def upgrade() -> None:
    _rename("evaluation", "rating")


def downgrade() -> None:
    _rename("rating", "evaluation")
