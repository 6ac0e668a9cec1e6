"""presence at the hall: a centre may ask for its call screens' rotating QR code (or a location within a
radius) before a check-in or a walk-in ticket; off for every existing centre

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 04:53:06.416694
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('centre', sa.Column('presence_check', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('centre', sa.Column('checkin_radius_m', sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('centre', 'checkin_radius_m')
    op.drop_column('centre', 'presence_check')
