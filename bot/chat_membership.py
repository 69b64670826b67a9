"""What the bot does when a platform adds it to a chat, removes it, or gives a chat a new id.

These are platform events, not commands: an adapter turns them (Telegram's
``my_chat_member`` updates, a group's upgrade to a supergroup) into these
calls, which are the same for every platform, so the adapter holds no SQL.

- Added to a group: a greeting in the group's language (its space's, when it
  is linked already; else the language of whoever added the bot) saying how
  a coordinator links it to a space.
- Removed (kicked, or the bot left): the chat is unlinked, so broadcasts and
  announcements skip it; the manager rights its admins had through it end
  with the link (foreign key cascade); each coordinator is told once.
- Migrated (a Telegram group upgraded to a supergroup gets a new id): the
  link, and the messages still waiting to go there, move to the new id.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config import LANGUAGES, Settings
from bot.context import command_prefix, direct_chat, translator_for
from bot.i18n import Translator, translator
from bot.messages import ChatRef, Reply, Sender
from bot.outbox import enqueue
from storage.db import SessionFactory
from storage.models import ChatLink, Member, OutboxMessage, Space
from storage.types import utcnow

log = logging.getLogger(__name__)

PLATFORM_NAMES = {"telegram": "Telegram", "matrix": "Matrix", "console": "console"}


class ChatMembership:
    """The core's side of membership events; one transaction per event."""

    def __init__(self, sessions: SessionFactory, settings: Settings, on_outbox: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.settings = settings
        self.on_outbox = on_outbox
        self.clock = clock

    def added(self, chat: ChatRef, adder: Sender | None) -> list[Reply]:
        """The bot joined a group: the greeting to post there."""
        prefix = command_prefix(chat.platform, self.settings)
        with self.sessions() as session:
            link = _link(session, chat)
            space = session.get(Space, link.space_id) if link is not None else None
            tr = translator(self._group_language(session, space, adder), prefix)
        log.info("%s: added to a group (%s)", chat.platform, "linked" if space else "not linked")
        if space is not None:
            return [Reply(tr.t("Hello again! This chat is linked to <b>{space}</b>. Send {p}help to see what I "
                               "can do.", space=space.name))]
        return [Reply(tr.t("Hello! I am the coworking network's bot. To link this group to its space, a "
                           "coordinator sends {p}space link SLUG here (the slugs are in {p}spaces), or "
                           "{p}space create NAME | CITY | COUNTRY | TIMEZONE for a new space."))]

    def removed(self, chat: ChatRef, title: str) -> None:
        """The bot was removed from a group (or left it): unlink it, and tell each coordinator once."""
        with self.sessions() as session:
            link = _link(session, chat)
            if link is None:
                return
            space = session.get(Space, link.space_id)
            session.delete(link)  # its admins' manager rights go with it (ON DELETE CASCADE)
            for reader, member in coordinator_chats(session, self.settings):
                tr = translator_for(member, self.settings) if member is not None else translator(
                    self.settings.default_language, command_prefix(reader.platform, self.settings))
                enqueue(session, reader, _removed_notice(tr, chat, title, space), kind="dm",
                        recipient_id=member.id if member is not None else None, not_before=self.clock())
            session.commit()
        log.info("%s: removed from a linked group; the link is gone", chat.platform)
        if self.on_outbox:
            self.on_outbox()

    def migrated(self, old: ChatRef, new: ChatRef) -> None:
        """A chat got a new id: its link and the messages waiting for it move there (again and again: idempotent)."""
        with self.sessions() as session:
            link = _link(session, old)
            if link is not None and _link(session, new) is None:
                link.chat_id = new.chat_id
                session.add(link)
            elif link is not None:  # the new chat is linked already: the old id is a chat that no longer exists
                session.delete(link)
            moved = session.execute(update(OutboxMessage).where(
                OutboxMessage.platform == old.platform, OutboxMessage.chat_id == old.chat_id,  # type: ignore[arg-type]
                OutboxMessage.status == "pending", OutboxMessage.edit_message_id.is_(None))  # type: ignore[union-attr]
                .values(chat_id=new.chat_id)).rowcount
            session.commit()
        if link is not None:
            log.info("%s: a linked chat moved to a new id; the link follows it", old.platform)
        if moved and self.on_outbox:
            self.on_outbox()

    def _group_language(self, session: Session, space: Space | None, adder: Sender | None) -> str:
        """The space's language; else the adder's own choice or platform language; else the default."""
        if space is not None and space.language in LANGUAGES:
            return space.language
        if adder is not None:
            chosen = session.exec(select(Member.language).where(
                Member.platform == adder.platform, Member.user_id == adder.user_id)).first()
            platform = (adder.language or "").split("-")[0].lower()
            for lang in (chosen, platform):
                if lang in LANGUAGES:
                    return lang
        return self.settings.default_language


def _link(session: Session, chat: ChatRef) -> ChatLink | None:
    return session.exec(select(ChatLink).where(ChatLink.platform == chat.platform,
                                               ChatLink.chat_id == chat.chat_id)).first()


def _removed_notice(tr: Translator, chat: ChatRef, title: str, space: Space | None) -> Reply:
    platform = PLATFORM_NAMES.get(chat.platform, chat.platform)
    return Reply(tr.t("I was removed from the {platform} group <b>{chat}</b>, so it is no longer linked to "
                      "<b>{space}</b>. To link it again, add me back and send {p}space link {slug} there.",
                      platform=platform, chat=title or chat.chat_id, space=space.name if space else "?",
                      slug=space.slug if space else "SLUG"))


def coordinator_chats(session: Session, settings: Settings) -> list[tuple[ChatRef, Member | None]]:
    """The direct chat of every coordinator (``COORDINATORS`` and those marked in the database), once each."""
    found: dict[tuple[str, str], Member | None] = {}
    for member in session.exec(select(Member).where(Member.is_coordinator)):
        found[(member.platform, member.user_id)] = member
    for entry in settings.coordinators:
        identity = _coordinator_identity(entry)
        if identity is None or identity in found:
            continue
        found[identity] = session.exec(select(Member).where(Member.platform == identity[0],
                                                            Member.user_id == identity[1])).first()
    return [(direct_chat(member) if member is not None else ChatRef(platform, user_id, is_direct=True), member)
            for (platform, user_id), member in found.items()]


def _coordinator_identity(entry: str) -> tuple[str, str] | None:
    """``tg:123`` → (telegram, 123); ``@alice:example.org`` → (matrix, …); ``console:ana`` → (console, ana)."""
    entry = entry.strip()
    if entry.startswith("tg:"):
        return "telegram", entry[3:]
    if entry.startswith("console:"):
        return "console", entry[8:]
    if entry.startswith("@") and ":" in entry:
        return "matrix", entry
    return None
