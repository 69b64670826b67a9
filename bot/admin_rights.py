"""Manager rights that come from chat admin status, checked again with the platform before use.

An admin of a linked chat manages the chat's space (:func:`bot.members.sync_chat_admin`)
and keeps the role in direct chats with the bot. The platform tells us who is
admin only when they speak in that chat, so a demoted admin who never speaks
there again would keep the rights. Before a command that uses manager rights,
each such right is therefore asked again of the platform (Telegram
``getChatMember``, Matrix power levels), unless the command was typed in that
very chat, where the platform has just said. A right the platform denies is
deleted, and the command then meets the usual refusal.

Answers are cached ``ttl`` seconds (at most 5 minutes) per (platform, chat, user).
A platform that cannot answer (network down) leaves the right as it is, uncached:
a hiccup does not demote anyone. The core knows the platforms only through the
``ChatAdminCheck`` functions the composition root hands it.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from itertools import groupby

from sqlalchemy import and_, delete, or_, update
from sqlmodel import select

from bot.messages import Message
from storage.db import SessionFactory
from storage.models import ChatLink, Manager, Member

log = logging.getLogger(__name__)

#: ``await check(chat_id, user_id)``: is the user an admin of that chat now?
#: False for a definite no (demoted, left, chat gone); raises when the platform cannot say.
ChatAdminCheck = Callable[[str, str], Awaitable[bool]]

ADMIN_CHECK_TTL = 300.0  # seconds; the issue allows at most 5 minutes

# The speaker's rights from chat admin status, each with the chat(s) that can confirm it:
# the chat link that gave it, or for a right recorded before links were kept (no
# chat_link_id), any chat of that space on the speaker's platform.
_RIGHTS = (
    select(Manager.id, Manager.chat_link_id, ChatLink.id, ChatLink.chat_id)
    .join(Member, Member.id == Manager.member_id)  # type: ignore[arg-type]
    .outerjoin(ChatLink, or_(
        ChatLink.id == Manager.chat_link_id,
        and_(Manager.chat_link_id.is_(None), ChatLink.space_id == Manager.space_id,  # type: ignore[union-attr]
             ChatLink.platform == Member.platform),
    ))
    .order_by(Manager.id)
)


class ChatAdminRights:
    """Re-checks a speaker's chat-admin manager rights with their platform."""

    def __init__(self, sessions: SessionFactory, checks: Mapping[str, ChatAdminCheck], *,
                 ttl: float = ADMIN_CHECK_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions = sessions
        self.checks = checks  # filled by the composition root once the adapters exist
        self.ttl = min(ttl, ADMIN_CHECK_TTL)
        self.clock = clock
        self._answers: dict[tuple[str, str, str], tuple[float, bool]] = {}

    async def recheck(self, message: Message) -> None:
        """Delete the speaker's rights whose chat no longer has them as admin.

        Runs outside the command's transaction: no write lock is held while the
        platform answers.
        """
        sender = message.sender
        check = self.checks.get(sender.platform)
        if check is None:
            return
        with self.sessions() as session:
            rows = session.exec(_RIGHTS.where(Member.platform == sender.platform, Member.user_id == sender.user_id,
                                              Manager.source == "chat_admin")).all()
        lapsed: list[int] = []
        confirmed: dict[int, int] = {}  # right recorded without its chat link → the link that confirms it
        for manager_id, group in groupby(rows, key=lambda row: row[0]):
            right = list(group)
            recorded = right[0][1] is not None
            chats = [(link_id, chat_id) for _, _, link_id, chat_id in right if link_id is not None]
            if any(not message.chat.is_direct and chat_id == message.chat.chat_id for _, chat_id in chats):
                continue  # typed in that chat: the platform's word came with the message
            verdict = await self._any_admin(check, sender.platform, sender.user_id, chats)
            if verdict is False:
                lapsed.append(manager_id)
            elif isinstance(verdict, int) and not recorded:
                confirmed[manager_id] = verdict
        if lapsed or confirmed:
            self._store(lapsed, confirmed)

    async def _any_admin(self, check: ChatAdminCheck, platform: str, user_id: str,
                         chats: list[tuple[int, str]]) -> int | bool | None:
        """The link id of a chat where the user is admin, False if none is, None if unknown."""
        unknown = False
        for link_id, chat_id in chats:
            answer = await self._is_admin(check, platform, chat_id, user_id)
            if answer:
                return link_id
            unknown = unknown or answer is None
        return None if unknown else False

    async def _is_admin(self, check: ChatAdminCheck, platform: str, chat_id: str, user_id: str) -> bool | None:
        key = (platform, chat_id, user_id)
        now = self.clock()
        cached = self._answers.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            answer = bool(await check(chat_id, user_id))
        except Exception as exc:  # noqa: BLE001 - any platform failure means "cannot say now"
            log.warning("%s: cannot check whether %s administers %s: %s", platform, user_id, chat_id, exc)
            return None
        self._forget_expired(now)
        self._answers[key] = (now, answer)
        return answer

    def _forget_expired(self, now: float) -> None:
        if len(self._answers) > 1000:
            self._answers = {k: v for k, v in self._answers.items() if now - v[0] < self.ttl}

    def _store(self, lapsed: list[int], confirmed: dict[int, int]) -> None:
        with self.sessions() as session:
            if lapsed:
                session.execute(delete(Manager).where(Manager.id.in_(lapsed)))  # type: ignore[union-attr]
            for manager_id, link_id in confirmed.items():
                session.execute(update(Manager).where(Manager.id == manager_id).values(chat_link_id=link_id))  # type: ignore[arg-type]
            session.commit()
        if lapsed:
            log.info("chat admin rights ended after a platform check: %s", lapsed)
