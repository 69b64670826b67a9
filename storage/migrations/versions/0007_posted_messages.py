"""posted announcements and edits in place (live RSVP counts)

Outbox rows may name the event they announce (``event_id``) and the platform
message they edit instead of sending a new one (``edit_message_id``); both are
NULL for every existing row, which stays a plain message. ``postedmessage``
records where each announcement went, so each answer edits it; it starts
empty: announcements sent before this revision keep their text as it was.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'postedmessage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'chat_id', 'message_id'),
    )
    with op.batch_alter_table('postedmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postedmessage_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edit_message_id', sqlmodel.sql.sqltypes.AutoString(length=255),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_outboxmessage_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key('fk_outboxmessage_event_id', 'event', ['event_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outboxmessage_event_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outboxmessage_event_id'))
        batch_op.drop_column('edit_message_id')
        batch_op.drop_column('event_id')

    with op.batch_alter_table('postedmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postedmessage_event_id'))
    op.drop_table('postedmessage')
