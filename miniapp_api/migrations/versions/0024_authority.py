"""authority: bookings by name re-keyed to the booking account, agent links with an expiry, payout accounts on record

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 10:00:00

A booking made for someone by typing their name and ID number (no authorisation) used to count against
that ID number: anyone could fill a stranger's quota. Such rows (no authorisation, a typed phone) keep the
typed hash in `named_id_hash` (so the named person, once verified, sees them) and are counted from now on
under a key of the booking account and that name. Bookings for oneself keyed on an ID number the account typed
but never face-verified become the account's own (`account:<id>`). Agent links confirmed at a counter get an expiry: a year
from their confirmation, and never less than 30 days from this upgrade, so nobody is cut off unannounced.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# Bookings by name: no authorisation behind them and a phone typed for the person (relatives' bookings
# carry no phone; an erased authorisation leaves authorisation_id NULL but no phone either).
BY_NAME = "a.authorisation_id IS NULL AND a.proxy_phone_enc IS NOT NULL AND a.named_id_hash IS NULL"
NEW_KEY = "'named:' || a.citizen_id || ':' || left(a.person_hash, 40)"
# Bookings for oneself keyed on an ID number the account typed but never face-verified (made before verified
# identity existed, migration 0008): a claim, so from now on they are the account's own (`account:<id>`), not the
# number's owner's.
TYPED_SELF = """a.authorisation_id IS NULL AND a.proxy_relation IS NULL
    AND a.person_hash NOT LIKE 'account:%%' AND a.person_hash NOT LIKE 'named:%%' AND a.person_hash NOT LIKE 'erased:%%'
    AND a.person_hash IS DISTINCT FROM (SELECT c.verified_id_hash FROM citizen c WHERE c.id = a.citizen_id)
    AND NOT EXISTS (SELECT FROM face_verification f WHERE f.citizen_id = a.citizen_id
                    AND f.id_number_hash = a.person_hash AND f.status = 'verified')"""


def upgrade() -> None:
    op.add_column('appointment', sa.Column('named_id_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_appointment_named', 'appointment', ['named_id_hash'], unique=False,
                    postgresql_where=sa.text('named_id_hash IS NOT NULL'))
    # Item lines first (they are found through the appointment's old key), then the appointments.
    op.execute(f"""
        UPDATE appointment_item i SET person_hash = {NEW_KEY}
        FROM appointment a
        WHERE i.appointment_id = a.id AND {BY_NAME}""")
    op.execute(f"""
        UPDATE appointment a SET named_id_hash = a.person_hash, person_hash = {NEW_KEY}
        WHERE {BY_NAME}""")
    op.execute(f"""
        UPDATE appointment_item i SET person_hash = 'account:' || a.citizen_id
        FROM appointment a WHERE i.appointment_id = a.id AND {TYPED_SELF}""")
    op.execute(f"""
        UPDATE appointment a SET person_hash = 'account:' || a.citizen_id,
            accountable_hash = CASE WHEN a.accountable_hash = a.person_hash THEN 'account:' || a.citizen_id
                                    ELSE a.accountable_hash END
        WHERE {TYPED_SELF}""")

    op.add_column('centre', sa.Column('max_active_for_others', sa.SmallInteger(), server_default='2',
                                      nullable=False))
    op.create_check_constraint(op.f('ck_centre_max_for_others_not_negative'), 'centre', 'max_active_for_others >= 0')

    op.add_column('business_link', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('business_link', sa.Column('ended_by', sa.String(length=32), nullable=True))
    op.add_column('business_link', sa.Column('end_reason', sa.String(length=200), nullable=True))
    op.execute("""
        UPDATE business_link SET expires_at = greatest(created_at + interval '1 year', now() + interval '30 days')
        WHERE role = 'agent' AND revoked_at IS NULL""")
    op.execute("UPDATE business_link SET ended_by = 'registry' WHERE revoked_at IS NOT NULL")

    for name, column in (('payout_account_name', sa.String(length=80)), ('payout_bank', sa.String(length=60)),
                         ('payout_account_enc', sa.Text()), ('payout_account_last4', sa.String(length=4)),
                         ('payout_set_by', sa.String(length=32)),
                         ('payout_set_at', sa.DateTime(timezone=True))):
        op.add_column('business', sa.Column(name, column, nullable=True))


def downgrade() -> None:
    for name in ('payout_set_at', 'payout_set_by', 'payout_account_last4', 'payout_account_enc', 'payout_bank',
                 'payout_account_name'):
        op.drop_column('business', name)
    op.drop_column('business_link', 'end_reason')
    op.drop_column('business_link', 'ended_by')
    op.drop_column('business_link', 'expires_at')
    op.drop_constraint(op.f('ck_centre_max_for_others_not_negative'), 'centre', type_='check')
    op.drop_column('centre', 'max_active_for_others')
    # Bookings by name go back to their typed key.
    op.execute("""
        UPDATE appointment_item i SET person_hash = a.named_id_hash
        FROM appointment a WHERE i.appointment_id = a.id AND a.named_id_hash IS NOT NULL""")
    op.execute("UPDATE appointment SET person_hash = named_id_hash WHERE named_id_hash IS NOT NULL")
    op.drop_index('ix_appointment_named', table_name='appointment',
                  postgresql_where=sa.text('named_id_hash IS NOT NULL'))
    op.drop_column('appointment', 'named_id_hash')
