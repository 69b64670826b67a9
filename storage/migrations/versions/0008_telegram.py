"""parts of a reply already delivered

A reply split in several messages (a long text, a caption and its photo, a
text and its file) remembers how many parts the platform took, so a retry
after a refusal sends only the rest. Every existing row starts at 0.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
