"""Where the bot talks to each platform user in private (``DirectChat`` rows).

A Matrix direct chat is a room, and the core addresses it by the user id: the
adapter keeps the map here, one row per user, so ``/mydata`` and
``/forgetme`` find it by the user's identity. Each call is its own short
transaction, like :mod:`storage.state`, so adapters hold no SQL of their own.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import SessionFactory
from storage.models import DirectChat


def load_direct_chats(sessions: SessionFactory, platform: str) -> dict[str, str]:
    """User id → the chat where the bot talks to them in private, on ``platform``."""
    with sessions() as session:
        rows = session.exec(select(DirectChat.user_id, DirectChat.chat_id).where(DirectChat.platform == platform))
        return dict(rows.all())


def save_direct_chat(sessions: SessionFactory, platform: str, user_id: str, chat_id: str) -> None:
    """``chat_id`` is (now) the direct chat with ``user_id``; replaces the one saved before, and commits."""
    for _ in range(2):  # a concurrent first insert for the same user: read it back and update it
        with sessions() as session:
            row = session.exec(select(DirectChat).where(DirectChat.platform == platform,
                                                        DirectChat.user_id == user_id)).first()
            if row is None:
                row = DirectChat(platform=platform, user_id=user_id, chat_id=chat_id)
            elif row.chat_id == chat_id:
                return
            row.chat_id = chat_id
            session.add(row)
            try:
                session.commit()
                return
            except IntegrityError:
                session.rollback()
