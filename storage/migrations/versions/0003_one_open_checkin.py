"""one open check-in per member, held by the database

Expired check-ins that were never ended get ``ended_at = expires_at``; where a
member still has several open ones (the race this index closes), all but the
newest are ended too. Then a partial unique index allows one open row per member.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    checkin = sa.table('checkin', sa.column('id', sa.Integer), sa.column('member_id', sa.Integer),
                       sa.column('expires_at', storage.types.UTCDateTime()),
                       sa.column('ended_at', storage.types.UTCDateTime()))
    bind = op.get_bind()
    bind.execute(sa.update(checkin).where(checkin.c.ended_at.is_(None),
                                          checkin.c.expires_at <= storage.types.utcnow())
                 .values(ended_at=checkin.c.expires_at))
    newest = sa.select(sa.func.max(checkin.c.id)).where(checkin.c.ended_at.is_(None)).group_by(checkin.c.member_id)
    bind.execute(sa.update(checkin).where(checkin.c.ended_at.is_(None), checkin.c.member_id.is_not(None),
                                          checkin.c.id.not_in(newest))
                 .values(ended_at=checkin.c.expires_at))
    op.create_index('uq_checkin_open_member', 'checkin', ['member_id'], unique=True,
                    sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_checkin_open_member', table_name='checkin')
