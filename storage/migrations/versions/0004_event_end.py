"""an event's end, for a time range ("18h-20h" → DTEND)

Existing events have no end (NULL), as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event') as batch_op:
        batch_op.add_column(sa.Column('ends_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('event') as batch_op:
        batch_op.drop_column('ends_at')
