"""Who gets which command menu where, for platforms with menus (Telegram).

Menus by kind of chat come from the command table (:func:`bot.commands.menu`):
direct chats list the commands for direct chats too, groups do not. Chat
admins get the managers' menu from the platform's own admin scope; managers
appointed with ``/manager add`` are no chat admins, so each gets the managers'
menu in every chat linked to their space, one (chat, user) scope each, in
their language. The adapter asks for that list at start and after anything
that may change it (:func:`may_change_managers`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.config import Settings
from bot.context import member_language
from bot.core import parse_command
from storage.models import ChatLink, Manager, Member, Space

#: Commands after which appointed managers or the chats of their spaces may have changed.
MANAGER_CHANGING = frozenset({"manager", "space"})


@dataclass(frozen=True, order=True)
class ManagerMenu:
    """The managers' menu for one appointed manager in one chat of their space."""

    chat_id: str
    user_id: str
    language: str


def appointed_manager_menus(session: Session, platform: str, settings: Settings) -> list[ManagerMenu]:
    """Every (chat, appointed manager) pair of ``platform``, each with the manager's language."""
    rows = session.exec(
        select(ChatLink.chat_id, Member, Space)
        .join(Manager, Manager.space_id == ChatLink.space_id)  # type: ignore[arg-type]
        .join(Member, Member.id == Manager.member_id)  # type: ignore[arg-type]
        .join(Space, Space.id == ChatLink.space_id)  # type: ignore[arg-type]
        .where(ChatLink.platform == platform, Member.platform == platform, Manager.source == "appointed")
    )
    return sorted({ManagerMenu(chat_id, member.user_id, member_language(member, space, settings))
                   for chat_id, member, space in rows})


def may_change_managers(text: str) -> bool:
    """Whether a command may have appointed or removed a manager, or linked or unlinked a chat."""
    parsed = parse_command(text.strip())
    return parsed is not None and parsed[0] in MANAGER_CHANGING
