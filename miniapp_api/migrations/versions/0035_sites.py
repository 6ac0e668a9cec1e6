"""代办点: a `site` centre level under a centre, its clerks (a role held alone), requests and materials taken at
its desk

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f('ck_centre_level_known'), 'centre', type_='check')
    op.create_check_constraint(op.f('ck_centre_level_known'), 'centre',
                               "level IN ('city', 'district', 'street', 'community', 'site')")
    op.create_check_constraint(op.f('ck_centre_site_has_parent'), 'centre', "level <> 'site' OR parent_id IS NOT NULL")
    op.create_check_constraint(op.f('ck_staff_site_clerk_alone'), 'staff',
                               "NOT ('site_clerk' = ANY(roles)) OR cardinality(roles) = 1")
    op.alter_column('assistance_request', 'citizen_id', existing_type=sa.BigInteger(), nullable=True)
    op.add_column('assistance_request', sa.Column('site_id', sa.BigInteger(), nullable=True))
    op.add_column('assistance_request', sa.Column('taken_by_staff_id', sa.BigInteger(), nullable=True))
    op.add_column('assistance_request', sa.Column('contact_name', sa.String(length=40), nullable=True))
    op.add_column('assistance_request', sa.Column('contact_phone_enc', sa.Text(), nullable=True))
    op.add_column('assistance_request', sa.Column('contact_phone_last4', sa.String(length=4), nullable=True))
    op.add_column('assistance_request', sa.Column('contact_id_hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_assistance_request_contact_id_hash'), 'assistance_request', ['contact_id_hash'])
    op.create_foreign_key(op.f('fk_assistance_request_site_id_centre'), 'assistance_request', 'centre',
                          ['site_id'], ['id'], ondelete='RESTRICT')
    op.create_foreign_key(op.f('fk_assistance_request_taken_by_staff_id_staff'), 'assistance_request', 'staff',
                          ['taken_by_staff_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_assistance_request_site_id'), 'assistance_request', ['site_id'])
    op.create_check_constraint(op.f('ck_assistance_request_someone_to_reach'), 'assistance_request',
                               "citizen_id IS NOT NULL OR (site_id IS NOT NULL AND contact_name IS NOT NULL"
                               " AND contact_phone_enc IS NOT NULL)")
    op.add_column('application', sa.Column('site_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_application_site_id_centre'), 'application', 'centre', ['site_id'], ['id'],
                          ondelete='RESTRICT')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_application_site_id_centre'), 'application', type_='foreignkey')
    op.drop_column('application', 'site_id')
    op.drop_constraint(op.f('ck_assistance_request_someone_to_reach'), 'assistance_request', type_='check')
    op.drop_index(op.f('ix_assistance_request_site_id'), table_name='assistance_request')
    op.drop_index(op.f('ix_assistance_request_contact_id_hash'), table_name='assistance_request')
    op.drop_constraint(op.f('fk_assistance_request_taken_by_staff_id_staff'), 'assistance_request',
                       type_='foreignkey')
    op.drop_constraint(op.f('fk_assistance_request_site_id_centre'), 'assistance_request', type_='foreignkey')
    for column in ('contact_id_hash', 'contact_phone_last4', 'contact_phone_enc', 'contact_name', 'taken_by_staff_id', 'site_id'):
        op.drop_column('assistance_request', column)
    op.execute("DELETE FROM assistance_request WHERE citizen_id IS NULL")
    op.alter_column('assistance_request', 'citizen_id', existing_type=sa.BigInteger(), nullable=False)
    op.drop_constraint(op.f('ck_staff_site_clerk_alone'), 'staff', type_='check')
    op.drop_constraint(op.f('ck_centre_site_has_parent'), 'centre', type_='check')
    op.execute("DELETE FROM staff_centre WHERE centre_id IN (SELECT id FROM centre WHERE level = 'site')")
    op.execute("DELETE FROM centre WHERE level = 'site'")
    op.drop_constraint(op.f('ck_centre_level_known'), 'centre', type_='check')
    op.create_check_constraint(op.f('ck_centre_level_known'), 'centre',
                               "level IN ('city', 'district', 'street', 'community')")
