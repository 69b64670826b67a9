"""The emulated world's state, and the lookups every Bot API method shares.

``EmulatorState`` owns everything a request can read or change (chats, users,
files, sent messages, the update queue, flood counters) plus the pieces that
Telegram applies the same way in every method: resolving ``chat_id`` with its
400/403 errors, the JSON views of chats and messages, and queueing an update.
The method groups, the HTTP server and the test-side controls are mixins built
on it (the way Synapse composes its data store from per-area mixins), so each
stays one concern while tests still hold one ``TelegramEmulator`` object.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web

from tests.integration.telegram_emulator.flood import FloodControl
from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.pulse import Pulse
from tests.integration.telegram_emulator.records import (
    ApiCall,
    Chat,
    SentMessage,
    StoredFile,
    WebhookPost,
    fill_user,
)

# Without allowed_updates Telegram sends every update type except these.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
BOT_REMOVED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot was kicked from the channel chat",
}


class EmulatorState:
    """Everything the emulated Telegram knows about its bot, chats, users and files."""

    def __init__(
        self,
        tokens: str | Sequence[str] = "123456:TEST-TOKEN",
        *,
        bot_username: str = "coworkbot_test_bot",
        bot_first_name: str = "Coworkbot",
        global_limit: int = 30,
        global_window: float = 1.0,
        group_limit: int = 20,
        group_window: float = 60.0,
        rate_limits: bool = True,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
        webhook_target: str | None = None,
    ) -> None:
        """Configure the bot and the world; nothing listens until start().

        The limits default to Telegram's (30 sends per second overall, 20 per
        minute per group); tests lower them, or pass a hand-moved ``clock``
        (seconds, like time.monotonic) to get exact ``retry_after`` values.
        ``strict_html`` rejects an unescaped ``&`` (see the html module).
        ``webhook_target`` (``http://127.0.0.1:PORT``) is where pushes to the
        registered webhook really go (see the webhook module); settable later.
        """
        token_list = [tokens] if isinstance(tokens, str) else list(tokens)
        if not token_list:
            raise ValueError("at least one token is needed")
        self.tokens = frozenset(token_list)
        prefix = token_list[0].split(":", 1)[0]  # a token starts with the bot's id
        bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.rate_limits = rate_limits
        self.strict_html = strict_html
        self.flood = FloodControl(global_limit, global_window, group_limit, group_window, clock)
        self.throttled = 0  # 429 responses given
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSON] = {}
        self.base_url = ""
        self.base_file_url = ""
        self._chats: dict[int, Chat] = {}
        self._users: dict[int, JSON] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._sent: list[SentMessage] = []
        self._commands: dict[tuple[tuple[Any, ...], str], list[JSON]] = {}
        self._updates: list[JSON] = []
        self._allowed_updates: set[str] | None = None
        self._pending_queries: dict[str, int] = {}
        self._query_times: dict[str, float] = {}  # when each button was pressed (answers expire)
        self._failures: list[tuple[int, frozenset[str] | None]] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._poll_generation = 0
        self._closing = False
        self._updates_pulse = Pulse()
        self._sent_pulse = Pulse()
        self._runner: web.AppRunner | None = None
        # The webhook (see the webhook module): where pushes go, how long Telegram waits for an
        # answer, the pause after a failed push (first, longest), and every push made.
        self.webhook_target = webhook_target
        self.webhook_timeout = 10.0
        self.webhook_backoff = (0.1, 2.0)
        self.webhook_posts: list[WebhookPost] = []
        self._webhook: JSON | None = None  # url, secret_token, max_connections
        self._webhook_error: tuple[int, str] | None = None  # last_error_date, last_error_message
        self._lost_answers = 0
        self._push_task: asyncio.Task[None] | None = None
        self._push_session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------ updates

    def _queue_update(self, kind: str, payload: JSON) -> None:
        allowed = (
            kind not in DEFAULT_EXCLUDED_UPDATES
            if self._allowed_updates is None
            else kind in self._allowed_updates
        )
        if allowed:  # Telegram does not store updates the bot did not ask for
            self._updates.append({"update_id": next(self._update_ids), kind: payload})
            self._updates_pulse.fire()

    # ------------------------------------------------------------ chat resolution

    def _target_chat(self, p: Params, *, sending: bool) -> Chat:
        """Resolve chat_id like Telegram, with its 400 and 403 errors."""
        raw = p.text("chat_id")
        if raw is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat: Chat | None = None
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == wanted), None
            )
        elif re.fullmatch(r"-?\d+", raw):
            chat = self._chats.get(int(raw))
            if chat is None and sending and int(raw) in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": chat.migrated_to})
        if not chat.bot_present and (sending or chat.type != "private"):
            raise ApiError(403, BOT_REMOVED[chat.type])
        return chat

    # ------------------------------------------------------------ JSON views

    def _chat_json(self, chat: Chat) -> JSON:
        if chat.type == "private" and chat.user is not None:
            names: JSON = {
                k: chat.user[k] for k in ("first_name", "last_name", "username") if k in chat.user
            }
            return {"id": chat.id, "type": "private", **names}
        result: JSON = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            result["username"] = chat.username
        return result

    def _sent_json(self, message: SentMessage) -> JSON:
        chat = self._chats[message.chat_id]
        result: JSON = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat_json(chat),
            "date": message.date,
        }
        if message.text is not None:
            result["text"] = message.text
        if message.entities:
            result["entities"] = message.entities
        if message.caption:
            result["caption"] = message.caption
        if message.caption_entities:
            result["caption_entities"] = message.caption_entities
        if message.document:
            result["document"] = message.document.document_json()
        if message.photo:
            result["photo"] = message.photo.photo_json()
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup  # Telegram echoes inline keyboards only
        if message.edit_date:
            result["edit_date"] = message.edit_date
        if message.reply_to is not None:
            result["reply_to_message"] = self._message_json_by_id(chat, message.reply_to)
        return result

    def _message_json_by_id(self, chat: Chat, message_id: int) -> JSON:
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        if message_id in chat.bot_messages:
            return self._sent_json(chat.bot_messages[message_id])
        raise KeyError(f"no message {message_id} in chat {chat.id}")

    # ------------------------------------------------------------ small helpers

    def _remember(self, user: int | JSON) -> JSON:
        """Register a user (id or dict); fields given later are merged in place."""
        if isinstance(user, int):
            return self._users.setdefault(user, fill_user({"id": user}))
        known = self._users.get(fill_user(user)["id"])
        if known is None:
            known = self._users[user["id"]] = fill_user(user)
        else:
            known.update(user)  # in place, so chats holding this dict see the new fields
        return known

    def _known_chat(self, chat_id: int) -> Chat:
        if chat_id not in self._chats:
            raise KeyError(f"no chat {chat_id}: call add_chat() first")
        return self._chats[chat_id]

    def _someone_in_charge(self, chat: Chat) -> JSON:
        for user_id in [chat.creator, *chat.admins]:
            if user_id is not None:
                return self._users[user_id]
        return fill_user({"id": 1, "first_name": "Group admin"})
