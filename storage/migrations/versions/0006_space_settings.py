"""a space's opening hours, desk capacity and address

Existing spaces get no hours ("": check-ins still end at ``closing_time``),
no capacity (NULL) and no address (""). Plain ALTER TABLE ADD/DROP COLUMN: on
SQLite the ``space`` table is never rebuilt (not on downgrade either), since
dropping it would cascade to every row that points at a space.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('space', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sqlmodel.sql.sqltypes.AutoString(length=255),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('space', recreate='never') as batch_op:
        batch_op.drop_column('address')
        batch_op.drop_column('capacity')
        batch_op.drop_column('opening_hours')
