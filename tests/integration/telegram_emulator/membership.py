"""Test-side controls for the bot's membership: being added to a group, and a group's upgrade.

``remove_bot_from`` (in ``control``) is the other half. As in Telegram, adding
the bot queues a ``my_chat_member`` update (left → member), and upgrading a
group to a supergroup gives it a new id: a service message with
``migrate_to_chat_id`` goes to the old chat and one with ``migrate_from_chat_id``
to the new one, and sends to the old id fail with 400 and the new id in
``parameters.migrate_to_chat_id`` (python-telegram-bot's ``ChatMigrated``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tests.integration.telegram_emulator.params import JSON
from tests.integration.telegram_emulator.records import Chat, fill_user
from tests.integration.telegram_emulator.state import EmulatorState


class MembershipControls(EmulatorState):
    """``add_bot_to`` and ``upgrade_to_supergroup``, over the shared state."""

    def add_bot_to(
        self,
        chat_id: int,
        type: str = "supergroup",  # the Bot API's own name
        title: str | None = None,
        *,
        by: JSON,
        admins: Iterable[int | JSON] = (),
        members: Iterable[int | JSON] = (),
    ) -> JSON:
        """``by`` adds the bot to a group (new, or one it was removed from); a my_chat_member update is queued."""
        adder = self._remember(by)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._new_group(chat_id, type, title, admins, members)
            chat.bot_present = False
        if chat.bot_present:
            raise ValueError(f"the bot is in chat {chat_id} already")
        chat.bot_present = True
        chat.members.add(adder["id"])
        self._bot_status_changed(chat, adder, "left", "member")
        return self._chat_json(chat)

    def upgrade_to_supergroup(self, chat_id: int, new_chat_id: int, *, by: JSON | None = None) -> JSON:
        """A group becomes a supergroup with a new id; the bot is in the new chat, the old one is gone."""
        old = self._chats[chat_id]
        if old.type != "group":
            raise ValueError("only a basic group is upgraded to a supergroup")
        new = self._new_group(new_chat_id, "supergroup", old.title, old.admins, old.members)
        new.creator = old.creator
        old.migrated_to = new_chat_id
        actor = fill_user(by) if by else self._someone_in_charge(old)
        for chat, field, other in ((old, "migrate_to_chat_id", new_chat_id), (new, "migrate_from_chat_id", chat_id)):
            message: JSON = {"message_id": next(chat.message_ids), "from": actor, "chat": self._chat_json(chat),
                             "date": int(time.time()), field: other}
            chat.user_messages[message["message_id"]] = message
            self._queue_update("message", message)
        return self._chat_json(new)

    def _new_group(self, chat_id: int, type: str, title: str | None, admins: Iterable[int | JSON],
                   members: Iterable[int | JSON]) -> Chat:
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        if type not in ("group", "supergroup") or chat_id >= 0:
            raise ValueError("a group has a negative id and type group or supergroup")
        admin_ids = [self._remember(a)["id"] for a in admins]
        chat = Chat(id=chat_id, type=type, title=title or f"Chat {chat_id}", username=None, user=None,
                    admins=admin_ids, creator=None,
                    members={self._remember(m)["id"] for m in members} | set(admin_ids))
        self._chats[chat_id] = chat
        return chat

    def _bot_status_changed(self, chat: Chat, actor: JSON, before: str, after: str) -> None:
        self._queue_update(
            "my_chat_member",
            {
                "chat": self._chat_json(chat),
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot_user, "status": before},
                "new_chat_member": {"user": self.bot_user, "status": after},
            },
        )
