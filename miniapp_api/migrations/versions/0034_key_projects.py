"""key projects (重点项目帮办代办): projects, their service officers, milestones per stage and the cases filed for them

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 17:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'key_project',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('business_id', sa.BigInteger(), nullable=False),
        sa.Column('centre_id', sa.BigInteger(), nullable=False),
        sa.Column('investment_wan', sa.BigInteger(), nullable=False),
        sa.Column('location', sa.String(length=200), nullable=False),
        sa.Column('lead_staff_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint('investment_wan >= 0', name=op.f('ck_key_project_investment_positive')),
        sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_key_project_business_id_business'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_key_project_centre_id_centre'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['lead_staff_id'], ['staff.id'], name=op.f('fk_key_project_lead_staff_id_staff'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_project')),
    )
    op.create_index(op.f('ix_key_project_business_id'), 'key_project', ['business_id'], unique=False)
    op.create_index(op.f('ix_key_project_centre_id'), 'key_project', ['centre_id'], unique=False)
    op.create_index(op.f('ix_key_project_lead_staff_id'), 'key_project', ['lead_staff_id'], unique=False)
    op.create_table(
        'key_project_officer',
        sa.Column('project_id', sa.BigInteger(), nullable=False),
        sa.Column('staff_id', sa.BigInteger(), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['key_project.id'],
                                name=op.f('fk_key_project_officer_project_id_key_project'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_key_project_officer_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', 'staff_id', name=op.f('pk_key_project_officer')),
    )
    op.create_index(op.f('ix_key_project_officer_staff_id'), 'key_project_officer', ['staff_id'], unique=False)
    op.create_table(
        'project_milestone',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('project_id', sa.BigInteger(), nullable=False),
        sa.Column('stage', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('target_on', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('done_by_staff_id', sa.BigInteger(), nullable=True),
        sa.Column('overdue_noticed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('position', sa.SmallInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("stage IN ('approval', 'land', 'planning', 'construction', 'acceptance')",
                           name=op.f('ck_project_milestone_stage_known')),
        sa.ForeignKeyConstraint(['project_id'], ['key_project.id'],
                                name=op.f('fk_project_milestone_project_id_key_project'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['done_by_staff_id'], ['staff.id'],
                                name=op.f('fk_project_milestone_done_by_staff_id_staff'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestone')),
    )
    op.create_index(op.f('ix_project_milestone_project_id'), 'project_milestone', ['project_id'], unique=False)
    op.create_index('ix_project_milestone_overdue', 'project_milestone', ['target_on'], unique=False,
                    postgresql_where=sa.text('done_on IS NULL AND overdue_noticed_at IS NULL'))
    op.create_table(
        'project_milestone_case',
        sa.Column('milestone_id', sa.BigInteger(), nullable=False),
        sa.Column('application_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['milestone_id'], ['project_milestone.id'],
                                name=op.f('fk_project_milestone_case_milestone_id_project_milestone'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_project_milestone_case_application_id_application'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('milestone_id', 'application_id', name=op.f('pk_project_milestone_case')),
    )
    op.create_index(op.f('ix_project_milestone_case_application_id'), 'project_milestone_case', ['application_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('project_milestone_case')
    op.drop_table('project_milestone')
    op.drop_table('key_project_officer')
    op.drop_table('key_project')
