"""代办授权 names its item: a grant covers one item at the request's centre (the request's own item, or, for a request
that named only a situation, the one the helper asked for and the requester confirmed); existing grants take their
request's item

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 02:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('assistance_grant', sa.Column('item_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_assistance_grant_item_id_service_item'), 'assistance_grant', 'service_item',
                          ['item_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE assistance_grant AS g SET item_id = r.item_id FROM assistance_request AS r "
               "WHERE r.id = g.request_id")


def downgrade() -> None:
    op.drop_constraint(op.f('fk_assistance_grant_item_id_service_item'), 'assistance_grant', type_='foreignkey')
    op.drop_column('assistance_grant', 'item_id')
