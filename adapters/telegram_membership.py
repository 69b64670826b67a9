"""Telegram's membership events, handed to the core's :class:`~bot.chat_membership.ChatMembership`.

- ``my_chat_member``: the bot's own status in a group changed. From left or
  kicked to member or administrator is "added" (the group gets a greeting);
  to left or kicked is "removed" (the group is unlinked).
- A group upgraded to a supergroup gets a new id: Telegram posts a service
  message with ``migrate_to_chat_id`` in the old chat and one with
  ``migrate_from_chat_id`` in the new one; either moves the link (the second
  finds nothing left to move).

Private chats (a user blocking the bot) and channels are not groups of a
space and are left alone.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ChatMemberHandler, ContextTypes, MessageHandler, filters

from bot.chat_membership import ChatMembership
from bot.messages import ChatRef, DeliveryError, Reply, Sender
from bot.outbox import store_for_retry
from storage.db import SessionFactory

log = logging.getLogger("adapters.telegram")

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


class MembershipEvents:
    """PTB handlers for the bot's membership; ``send`` is the adapter's, ``changed`` runs after a link changed."""

    platform = "telegram"

    def __init__(self, membership: ChatMembership, send: Callable[[ChatRef, Reply], Any],
                 sessions: SessionFactory | None, changed: Callable[[], None] = lambda: None) -> None:
        self.membership = membership
        self.send = send
        self.sessions = sessions
        self.changed = changed

    def handlers(self) -> list[Any]:
        return [ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
                MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migration)]

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = update.my_chat_member
        if event is None or event.chat.type not in GROUPS:
            return
        chat = ChatRef(self.platform, str(event.chat.id))
        before, after = event.old_chat_member.status, event.new_chat_member.status
        if after in GONE and before not in GONE:
            self.membership.removed(chat, event.chat.title or "")
            self.changed()
        elif after in PRESENT and before in GONE:
            user = event.from_user
            adder = Sender(self.platform, str(user.id), user.full_name, user.username, user.language_code)
            for reply in self.membership.added(chat, adder):
                await self._deliver(chat, reply)
            self.changed()

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        self.chat_moved(old, new)

    def chat_moved(self, old: int, new: int) -> None:
        """The group ``old`` is now ``new`` (from the service message, or from a send refused with the new id)."""
        self.membership.migrated(ChatRef(self.platform, str(old)), ChatRef(self.platform, str(new)))
        self.changed()

    async def _deliver(self, chat: ChatRef, reply: Reply) -> None:
        try:
            await self.send(chat, reply)
        except DeliveryError as exc:
            if exc.permanent or self.sessions is None:
                log.warning("telegram: greeting to %s not delivered: %s", chat.chat_id, exc.reason)
            else:
                store_for_retry(self.sessions, chat, reply, None, exc)
