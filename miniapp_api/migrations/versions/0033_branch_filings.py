"""branch filings: a business's agent files one 分支机构批量变更 online; the batch is the parent case (its
business, and when its last branch ended)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 16:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('application_batch', sa.Column('business_id', sa.BigInteger(), nullable=True))
    op.add_column('application_batch', sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(op.f('fk_application_batch_business_id_business'), 'application_batch', 'business',
                          ['business_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_application_batch_business_id'), 'application_batch', ['business_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_application_batch_business_id'), table_name='application_batch')
    op.drop_constraint(op.f('fk_application_batch_business_id_business'), 'application_batch', type_='foreignkey')
    op.drop_column('application_batch', 'completed_at')
    op.drop_column('application_batch', 'business_id')
