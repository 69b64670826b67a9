"""``TelegramEmulator``: the Bot API server plus the test-side controls of its world.

The bot only ever talks HTTP; a test instead calls these plain methods to set
up chats, act as users (write, press buttons, block the bot), inject server
errors and inspect what the bot sent, so a test reads as a conversation and
never builds updates or parses requests itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tests.integration.telegram_emulator.entities import detect_entities
from tests.integration.telegram_emulator.membership import MembershipControls
from tests.integration.telegram_emulator.params import JSON, ApiError
from tests.integration.telegram_emulator.records import ApiCall, Chat, SentMessage, WebhookPost, fill_user
from tests.integration.telegram_emulator.server import SERVER_ERRORS, BotApiServer


class TelegramEmulator(BotApiServer, MembershipControls):
    """A Bot API server on 127.0.0.1 plus the test-side controls of its world."""

    # ------------------------------------------------------------ test-side world

    def add_chat(
        self,
        chat_id: int,
        type: str = "group",  # the Bot API's own name
        title: str | None = None,
        *,
        username: str | None = None,
        admins: Iterable[int | JSON] = (),
        creator: int | JSON | None = None,
        members: Iterable[int | JSON] = (),
        user: JSON | None = None,
    ) -> JSON:
        """Create a chat the bot is in. Admins/members are ids or user dicts.

        A private chat (id > 0, the user's id) means the user has started the bot.
        """
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        if (type == "private") != (chat_id > 0):
            raise ValueError("private chats have positive ids (the user's), others negative")
        if type == "private":
            user = self._remember(user or {"id": chat_id})
            if user["id"] != chat_id:
                raise ValueError("a private chat's id is its user's id")
        admin_ids = [self._remember(a)["id"] for a in admins]
        creator_id = None if creator is None else self._remember(creator)["id"]
        member_ids = {self._remember(m)["id"] for m in members} | set(admin_ids)
        if creator_id is not None:
            member_ids.add(creator_id)
        chat = Chat(
            id=chat_id,
            type=type,
            title=title or (None if type == "private" else f"Chat {chat_id}"),
            username=username,
            user=user,
            admins=admin_ids,
            creator=creator_id,
            members=member_ids,
        )
        self._chats[chat_id] = chat
        return self._chat_json(chat)

    def set_admin(self, chat_id: int, user: int | JSON, admin: bool = True) -> None:
        """Promote a member of a group to administrator, or demote them (no update is sent:
        the bot learns it only by asking, as with ``chat_member`` updates left out)."""
        chat = self._known_chat(chat_id)
        if chat.type == "private":
            raise ValueError("a private chat has no administrators")
        user_id = self._remember(user)["id"]
        if user_id == chat.creator:
            raise ValueError("the creator of a chat cannot be demoted")
        if admin and user_id not in chat.admins:
            chat.admins.append(user_id)
            chat.members.add(user_id)
        elif not admin and user_id in chat.admins:
            chat.admins.remove(user_id)

    def remove_bot_from(self, chat_id: int, *, by: JSON | None = None) -> None:
        """Kick the bot from a group, or have the user block it in a private chat.

        Sends then fail with 403 like Telegram, and a my_chat_member update is queued.
        """
        chat = self._known_chat(chat_id)
        chat.bot_present = False
        actor = fill_user(by) if by else chat.user or self._someone_in_charge(chat)
        new_status = "left" if chat.type == "group" else "kicked"
        new_member: JSON = {"user": self.bot_user, "status": new_status}
        if new_status == "kicked":
            new_member["until_date"] = 0
        self._queue_update(
            "my_chat_member",
            {
                "chat": self._chat_json(chat),
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot_user, "status": "member"},
                "new_chat_member": new_member,
            },
        )

    def fail_next(
        self, n: int = 1, status: int = 500, methods: Iterable[str] | None = None
    ) -> None:
        """Answer the next n requests (optionally only of these methods) with a server error.

        500 comes as Telegram's JSON error; 502/503/504 as the HTML page of the
        nginx in front of it, which is what a client really has to cope with.
        """
        if status not in SERVER_ERRORS:
            raise ValueError(f"status must be one of {sorted(SERVER_ERRORS)}")
        only = None if methods is None else frozenset(m.lower() for m in methods)
        self._failures.extend([(status, only)] * n)

    def user_sends(
        self, chat_id: int, user: JSON, text: str, *, reply_to: int | None = None
    ) -> JSON:
        """A user writes in a chat; the bot gets a ``message`` update. Returns the Message.

        Writing to the bot in private creates (or unblocks) the private chat, as
        pressing Start does; group chats must exist (add_chat). If the bot was
        removed from a group it receives nothing, as in Telegram.
        """
        sender = self._remember(user)
        chat = self._chats.get(chat_id)
        if chat is None and chat_id == sender["id"]:
            self.add_chat(chat_id, "private", user=sender)
            chat = self._chats[chat_id]
        if chat is None:
            raise KeyError(f"no chat {chat_id}: call add_chat() first")
        if chat.type == "private":
            chat.bot_present = True
        else:
            chat.members.add(sender["id"])
        message: JSON = {
            "message_id": next(chat.message_ids),
            "from": dict(sender),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
            "text": text,
        }
        entities = detect_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._message_json_by_id(chat, reply_to)
        chat.user_messages[message["message_id"]] = message
        if chat.bot_present:
            self._queue_update("message", message)
        return message

    def press_button(self, chat_id: int, user: JSON, message_id: int, callback_data: str) -> str:
        """A user presses an inline button; the bot gets a ``callback_query``. Returns its id."""
        chat = self._known_chat(chat_id)
        sent = chat.bot_messages.get(message_id)
        if sent is None or callback_data not in sent.button_data:
            shown = sent.button_data if sent else "no such bot message"
            raise ValueError(
                f"message {message_id} in {chat_id} has no button {callback_data!r}: {shown}"
            )
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self._pending_queries[query_id] = chat_id
        self._query_times[query_id] = time.monotonic()
        if not chat.bot_present:
            return query_id
        self._queue_update(
            "callback_query",
            {
                "id": query_id,
                "from": dict(self._remember(user)),
                "message": self._sent_json(sent),
                "chat_instance": str(abs(chat_id) * 7919),
                "data": callback_data,
            },
        )
        return query_id

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages delivered to a chat (or to all chats), oldest first, edits applied."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    async def wait_for_sent(
        self, chat_id: int | None, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until at least count messages were delivered to chat_id; TimeoutError if not."""
        if not await self._sent_pulse.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout):
            texts = [m.text or m.caption for m in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) in chat {chat_id} within "
                f"{timeout}s, got {len(texts)}: {texts!r}"
            )
        return self.sent(chat_id)

    def commands(self, scope: str | JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for exactly this scope and language ([] if none)."""
        if scope is None or isinstance(scope, str):
            scope = {"type": scope or "default"}
        try:
            key = self._scope_key(scope)
        except ApiError as exc:
            raise ValueError(exc.description) from exc
        return [dict(c) for c in self._commands.get((key, language_code), [])]

    def chat_actions(self, chat_id: int) -> list[str]:
        """sendChatAction actions received for a chat, in order."""
        return list(self._known_chat(chat_id).actions)

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a getUpdates offset (or taken by the webhook)."""
        return list(self._updates)

    @property
    def webhook(self) -> JSON | None:
        """The webhook the bot set (``url``, ``secret_token``, ``max_connections``), or None."""
        return None if self._webhook is None else dict(self._webhook)

    def calls_to(self, method: str) -> list[ApiCall]:
        """The bot's requests to one Bot API method (any case), oldest first."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def lose_webhook_answers(self, n: int = 1) -> None:
        """The bot's next n answers to pushes never reach Telegram (a timeout): those updates are pushed again."""
        self._lost_answers += n

    async def wait_for_pushes(self, count: int, timeout: float = 5.0) -> list[WebhookPost]:
        """Wait until the webhook was pushed to at least count times (taken or not); TimeoutError if not."""
        if not await self._updates_pulse.wait_until(lambda: len(self.webhook_posts) >= count, timeout):
            raise TimeoutError(f"expected {count} push(es) within {timeout}s, got {self.webhook_posts!r}")
        return list(self.webhook_posts)
