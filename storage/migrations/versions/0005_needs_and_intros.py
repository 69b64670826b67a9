"""introduction pauses and who was left out of the last round

``member.intros_paused_until``: ``/intro pause 2w`` keeps a member out of rounds
until then. ``member.intro_left_out_at``: the last round found nobody for them,
so the next one pairs them first. Both NULL for existing members (not paused,
not waiting). Plain ALTER TABLE ADD/DROP COLUMN: on SQLite the ``member`` table
is never rebuilt (not on downgrade either), since dropping it would cascade to
every row that points at a member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('intros_paused_until', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('intro_left_out_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member', recreate='never') as batch_op:
        batch_op.drop_column('intro_left_out_at')
        batch_op.drop_column('intros_paused_until')
