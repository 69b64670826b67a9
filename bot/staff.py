"""Is a platform user one of the network's staff: a coordinator, or a manager of some space?

Adapters ask this before they trust a platform-level request that is not a
command, such as a Matrix invite into a room: only staff may pull the bot
into a room. The question is put in platform terms (platform and user id),
so an adapter needs no SQL and no member row of its own.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from bot.config import Settings
from bot.context import is_coordinator
from storage.db import SessionFactory
from storage.models import Manager, Member

#: ``(platform, user_id) -> bool``, what an adapter is given.
StaffCheck = Callable[[str, str], bool]


def is_network_staff(sessions: SessionFactory, settings: Settings, platform: str, user_id: str) -> bool:
    """A coordinator (``COORDINATORS`` or marked in the database), or a manager of any space."""
    with sessions() as session:
        member = session.exec(select(Member).where(Member.platform == platform, Member.user_id == user_id)).first()
        if is_coordinator(member or Member(platform=platform, user_id=user_id), settings):
            return True
        if member is None:
            return False
        return session.exec(select(Manager.id).where(Manager.member_id == member.id)).first() is not None


def staff_check(sessions: SessionFactory, settings: Settings) -> StaffCheck:
    """:func:`is_network_staff` bound to a database and settings, to hand to an adapter."""
    return lambda platform, user_id: is_network_staff(sessions, settings, platform, user_id)
