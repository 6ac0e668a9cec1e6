"""audit chain: each audit row carries the digest of its content and of the row before; signed day seals

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 13:00:00

Existing rows are chained in id order, exactly as platform/audit.py chains new ones (the digest code is copied
here so that this migration keeps producing the same chain whatever that module becomes). A trigger refuses
UPDATE of audit rows (but a redaction of `detail` while banshi.audit_redaction is on, which 注销 records in
the chain) and DELETE of rows younger than 180 days (counted from the newest row, not the wall clock). A
superuser can still drop the trigger: that is what the chain and the signed day seals are for.
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

GENESIS = "genesis"
CHUNK = 2000


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _chain(connection) -> None:
    prev, last_id = GENESIS, 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, actor, action, subject_type, subject_id, detail, created_at FROM audit_log "
            "WHERE id > :after ORDER BY id LIMIT :n"), {"after": last_id, "n": CHUNK}).all()
        if not rows:
            return
        values = []
        for row in rows:
            body = {"actor": row.actor, "action": row.action, "subject_type": row.subject_type,
                    "subject_id": row.subject_id, "detail": _digest(_canonical(row.detail or {})),
                    "created_at": row.created_at.astimezone(UTC).isoformat()}
            digest = _digest(prev.encode() + b"\n" + _canonical(body))
            values.append({"id": row.id, "prev": prev, "digest": digest})
            prev, last_id = digest, row.id
        connection.execute(sa.text("UPDATE audit_log SET prev_digest = :prev, digest = :digest WHERE id = :id"),
                           values)


GUARD = """
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF current_setting('banshi.audit_redaction', true) = 'on'
           AND (NEW.id, NEW.actor, NEW.action, NEW.subject_type, NEW.subject_id, NEW.created_at, NEW.prev_digest,
                NEW.digest)
               IS NOT DISTINCT FROM (OLD.id, OLD.actor, OLD.action, OLD.subject_type, OLD.subject_id, OLD.created_at,
                                     OLD.prev_digest, OLD.digest) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log rows are never updated (row %)', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.created_at < (SELECT created_at FROM audit_log ORDER BY id DESC LIMIT 1) - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log rows younger than 180 days are never deleted (row %)', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
"""


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('prev_digest', sa.String(length=100), nullable=True))
    op.add_column('audit_log', sa.Column('digest', sa.String(length=100), nullable=True))
    op.create_index('ix_audit_actor', 'audit_log', ['actor'], unique=False)
    op.create_table(
        'audit_day_seal',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.Column('digest', sa.String(length=100), nullable=False),
        sa.Column('seal', sa.Text(), nullable=False),
        sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_table(
        'audit_check',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('intact', sa.Boolean(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('first_break', sa.Text(), nullable=True),
        sa.Column('break_row_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_check_checked_at', 'audit_check', ['checked_at'], unique=False)
    _chain(op.get_bind())
    op.execute(GUARD)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_guard ON audit_log")
    op.execute("DROP FUNCTION audit_log_guard()")
    op.drop_index('ix_audit_check_checked_at', table_name='audit_check')
    op.drop_table('audit_check')
    op.drop_table('audit_day_seal')
    op.drop_index('ix_audit_actor', table_name='audit_log')
    op.drop_column('audit_log', 'digest')
    op.drop_column('audit_log', 'prev_digest')
