"""outbox concerns, admin rights by chat link, direct chats

Outbox rows name the members they concern (so forgetting is by identity),
chat-admin manager rights point at the chat link that gave them (so they end
with it), and the Matrix direct-room map moves from a JSON blob in
``syncstate`` to a table keyed by the user's identity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 17:13:36.571575
"""
from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_CONCERNS = ("author", "subject", "recipient")


def upgrade() -> None:
    directchat = op.create_table(
        'directchat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'user_id'),
    )
    with op.batch_alter_table('directchat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directchat_chat_id'), ['chat_id'], unique=False)

    with op.batch_alter_table('manager', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_link_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_manager_chat_link_id'), ['chat_link_id'], unique=False)
        batch_op.create_foreign_key('fk_manager_chat_link_id', 'chatlink', ['chat_link_id'], ['id'],
                                    ondelete='CASCADE')

    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        for who in _CONCERNS:
            batch_op.add_column(sa.Column(f'{who}_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_outboxmessage_{who}_id'), [f'{who}_id'], unique=False)
            batch_op.create_foreign_key(f'fk_outboxmessage_{who}_id', 'member', [f'{who}_id'], ['id'],
                                        ondelete='CASCADE')

    _move_direct_rooms(directchat)


def _move_direct_rooms(directchat: sa.Table) -> None:
    """The Matrix adapter's ``matrix:<bot>:direct`` JSON maps become rows."""
    bind = op.get_bind()
    state = sa.table('syncstate', sa.column('key', sa.String), sa.column('value', sa.String))
    now = storage.types.utcnow()
    rows = bind.execute(sa.select(state.c.key, state.c.value).where(state.c.key.like('matrix:%:direct'))).all()
    for key, value in rows:
        users = (json.loads(value or "{}") or {}).get("users", {})
        if users:
            op.bulk_insert(directchat, [{"platform": "matrix", "user_id": user, "chat_id": room, "created_at": now}
                                        for user, room in users.items()])
        bind.execute(sa.delete(state).where(state.c.key == key))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        for who in _CONCERNS:
            batch_op.drop_constraint(f'fk_outboxmessage_{who}_id', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_outboxmessage_{who}_id'))
            batch_op.drop_column(f'{who}_id')

    with op.batch_alter_table('manager', schema=None) as batch_op:
        batch_op.drop_constraint('fk_manager_chat_link_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_manager_chat_link_id'))
        batch_op.drop_column('chat_link_id')

    with op.batch_alter_table('directchat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directchat_chat_id'))
    op.drop_table('directchat')
