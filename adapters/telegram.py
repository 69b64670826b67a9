"""The Telegram adapter: python-telegram-bot 22 polling, HTML replies, inline buttons.

Each text message and each pressed inline button becomes one neutral
:class:`~bot.messages.Message` (a button's ``callback_data`` is the command it
runs, so pressing it is the same as typing it). Replies are sent in HTML parse
mode, split below Telegram's 4096-character limit, and paced by a
:class:`~bot.outbox.SendPacer` that keeps Telegram's flood limits (30 messages
a second overall, 20 a minute per group) for replies and outbox alike.

``COWORKBOT_TELEGRAM_API_URL`` points the bot at another Bot API server (a
local ``telegram-bot-api`` or the test emulator); it is PTB's ``base_url``,
e.g. ``http://localhost:8081/bot``.
"""
from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeAllChatAdministrators, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import User
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.error import RetryAfter as TgRetryAfter
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram_start import short_reason, start_error
from adapters.telegram_text import split_html
from bot.commands import menu
from bot.config import LANGUAGES, Settings
from bot.context import Role
from bot.i18n import translator
from bot.messages import (Button, ChatRef, DeliveryError, Message, MessageHandler as CoreHandler, Reply,
                          RetryAfter, Sender, SentRef, html_to_plain)
from bot.outbox import SendPacer, store_for_retry
from storage.db import SessionFactory

log = logging.getLogger(__name__)

CALLBACK_DATA_MAX = 64  # bytes, Telegram's limit for callback_data
ADMIN_TTL = 300.0  # seconds a group's admin list is trusted before asking again
PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "group chat was upgraded",
                          "have no rights", "not enough rights", "chat_write_forbidden", "need administrator rights")


def delivery_error(exc: TelegramError) -> DeliveryError:
    """PTB's error as the outbox understands it: wait, retry later, or give up."""
    if isinstance(exc, TgRetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta here
            warnings.simplefilter("ignore")
            seconds = exc.retry_after
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return RetryAfter(float(seconds), f"Telegram flood control: retry after {seconds}s")
    if isinstance(exc, Forbidden):  # kicked from the group, blocked by the user
        return DeliveryError(exc.message, permanent=True)
    if isinstance(exc, BadRequest):
        permanent = any(p in exc.message.lower() for p in PERMANENT_BAD_REQUESTS)
        return DeliveryError(exc.message, permanent=permanent)
    if isinstance(exc, (TimedOut, NetworkError)):
        return DeliveryError(f"network: {short_reason(exc)}", permanent=False)  # not the nginx page it quotes
    return DeliveryError(short_reason(exc), permanent=False)


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard whose callback_data is the command a button runs.

    A command over 64 bytes cannot be a button; it is left out (and logged),
    since a truncated command would run something else.
    """
    rows = []
    for line in buttons:
        row = []
        for button in line:
            if len(button.command.encode("utf-8")) > CALLBACK_DATA_MAX:
                log.warning("button command longer than %d bytes left out: %r", CALLBACK_DATA_MAX, button.command[:80])
                continue
            row.append(InlineKeyboardButton(button.label[:64] or "·", callback_data=button.command))
        if row:
            rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def sender_of(user: User) -> Sender:
    return Sender("telegram", str(user.id), display_name=user.full_name, handle=user.username,
                  language=user.language_code, is_bot=user.is_bot)


class TelegramAdapter:
    """One bot account, polling for updates; implements :class:`bot.messages.Adapter`."""

    platform = "telegram"

    def __init__(self, settings: Settings, *, sessions: SessionFactory | None = None,
                 admin_ttl: float = ADMIN_TTL, poll_timeout: int = 10) -> None:
        if not settings.telegram_token:
            raise ValueError("COWORKBOT_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.sessions = sessions  # where a refused reply waits for the outbox
        self.admin_ttl = admin_ttl
        self.poll_timeout = poll_timeout
        self.pacer = SendPacer(overall=(30, 1.0), per_chat=(20, 60.0))
        self.username = ""
        self._app: Application | None = None  # type: ignore[type-arg]
        self._handle: CoreHandler | None = None
        self._admins: dict[int, tuple[float, set[int]]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}

    # -- lifecycle ---------------------------------------------------------------
    def _build(self) -> Application:  # type: ignore[type-arg]
        # Updates are handled concurrently so a group waiting for its per-minute budget
        # does not hold up everyone else; a lock per chat keeps each chat in order.
        builder = (Application.builder().token(self.settings.telegram_token or "")
                   .concurrent_updates(16).connection_pool_size(8).pool_timeout(10.0)
                   .get_updates_read_timeout(self.poll_timeout + 10.0))
        url = self.settings.telegram_api_url
        if url:
            builder = builder.base_url(url)
            if url.rstrip("/").endswith("/bot"):
                builder = builder.base_file_url(url.rstrip("/")[: -len("/bot")] + "/file/bot")
        return builder.build()

    async def start(self, handle: CoreHandler) -> None:
        self._handle = handle
        app = self._app = self._build()
        app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)
        try:
            await app.initialize()  # getMe: fails early on a bad token
            self.username = app.bot.username or ""
            await self._set_menus()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=self.poll_timeout, poll_interval=0.0,
                                            allowed_updates=["message", "callback_query", "my_chat_member"],
                                            error_callback=self._on_polling_error)
        except TelegramError as exc:
            self._app = None
            await self._close(app)  # so that the next attempt starts from scratch
            raise start_error(self.settings, exc) from None
        log.info("telegram: polling as @%s", self.username)

    async def stop(self) -> None:
        app, self._app = self._app, None
        if app is None:
            return
        self.pacer.close()  # replies waiting for a group's budget give up instead of holding the stop
        await self._close(app)

    @staticmethod
    async def _close(app: Application) -> None:  # type: ignore[type-arg]
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def _set_menus(self) -> None:
        """Command menus per language: members everywhere, managers' extra commands for chat admins."""
        bot = self._bot()
        scopes: list[tuple[Any, Role]] = [(None, Role.MEMBER), (BotCommandScopeAllChatAdministrators(), Role.MANAGER)]
        try:
            for scope, role in scopes:
                for lang in ("", *LANGUAGES):
                    items = menu(translator(lang or self.settings.default_language), role)
                    commands = [BotCommand(name, html_to_plain(text)[:256]) for name, text in items if text.strip()]
                    await bot.set_my_commands(commands, scope=scope, language_code=lang or None)
        except TelegramError as exc:  # menus are a comfort, not a reason to stop
            log.warning("telegram: could not set command menus: %s", exc)

    def _bot(self) -> Any:
        if self._app is None:
            raise DeliveryError("telegram adapter is not running")
        return self._app.bot

    # -- incoming ----------------------------------------------------------------
    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None or message.text is None:
            return
        if not self._addressed_to_me(message.text):
            return
        ref = ChatRef(self.platform, str(chat.id), is_direct=chat.type == ChatType.PRIVATE)
        async with self._lock(chat.id):
            admin = not ref.is_direct and message.text.startswith("/") and await self._is_admin(chat.id, user.id)
            await self._answer(Message(ref, sender_of(user), message.text, sender_is_chat_admin=admin))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        try:
            await query.answer()  # stops the button's spinner; the reply is a message
        except TelegramError as exc:
            log.info("telegram: callback answer failed: %s", exc)
        origin = query.message  # None when the message is too old for Telegram to say where it was
        if origin is not None:
            ref = ChatRef(self.platform, str(origin.chat.id), is_direct=origin.chat.type == ChatType.PRIVATE)
        else:
            ref = ChatRef(self.platform, str(query.from_user.id), is_direct=True)
        async with self._lock(int(ref.chat_id)):
            admin = not ref.is_direct and await self._is_admin(int(ref.chat_id), query.from_user.id)
            await self._answer(Message(ref, sender_of(query.from_user), query.data, sender_is_chat_admin=admin))

    async def _answer(self, message: Message) -> None:
        assert self._handle is not None
        for reply in await self._handle(message):
            try:
                await self.send(message.chat, reply)
            except DeliveryError as exc:
                # A direct chat's id is the user's: the log names groups only.
                where = "a direct chat" if message.chat.is_direct else message.chat.chat_id
                if exc.permanent or self.sessions is None:
                    log.warning("telegram: reply to %s not delivered: %s", where, exc.reason)
                else:  # not lost: the outbox retries it with backoff
                    log.warning("telegram: reply to %s deferred to the outbox: %s", where, exc.reason)
                    store_for_retry(self.sessions, message.chat, reply, message.sender)

    def _lock(self, chat_id: int) -> asyncio.Lock:
        """Taken before the first await of an update, so a chat's updates are answered in order."""
        return self._chat_locks.setdefault(str(chat_id), asyncio.Lock())

    def _on_polling_error(self, exc: TelegramError) -> None:
        """PTB retries getUpdates itself; a 502 or a network blip is one line, not a traceback."""
        log.warning("telegram: getUpdates failed (%s), retrying", short_reason(exc))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error while handling an update", exc_info=context.error)

    def _addressed_to_me(self, text: str) -> bool:
        """``/cmd@otherbot`` in a group is for another bot; ``/cmd@us`` and ``/cmd`` are ours."""
        if not text.startswith("/"):
            return True
        head = text.split(maxsplit=1)[0]
        return "@" not in head or head.split("@", 1)[1].lower() == self.username.lower()

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the user administers the group, from getChatAdministrators cached ``admin_ttl``."""
        now = time.monotonic()
        cached = self._admins.get(chat_id)
        if cached is None or now - cached[0] > self.admin_ttl:
            try:
                admins = await self._bot().get_chat_administrators(chat_id)
                ids = {member.user.id for member in admins}
            except TelegramError as exc:
                log.warning("telegram: admins of %s unknown: %s", chat_id, exc)
                ids = cached[1] if cached else set()
            cached = self._admins[chat_id] = (now, ids)
        return user_id in cached[1]

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        """Is the user an admin of the group now? (``getChatMember``; the core re-checks manager rights with it.)

        Telegram's no (demoted, left, chat or user unknown, bot removed) is False;
        a failure to get an answer raises, and the core keeps the right for now.
        """
        try:
            member = await self._bot().get_chat_member(int(chat_id), int(user_id))
        except (BadRequest, Forbidden) as exc:
            log.info("telegram: %s is no admin of %s: %s", user_id, chat_id, exc.message)
            admin = False
        else:
            admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        cached = self._admins.get(int(chat_id))
        if cached is not None and not admin:
            cached[1].discard(int(user_id))  # the group's admin list we keep must not grant it back
        return admin

    # -- outgoing ----------------------------------------------------------------
    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        """Send a reply: text in chunks under 4096 characters, buttons under the last one, then the file."""
        bot = self._bot()
        chunks = [c for c in split_html(reply.text) if html_to_plain(c).strip()] if reply.text else []
        markup = keyboard(reply.buttons)
        sent: Any = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await self._send_text(bot, chat, chunk, markup if last and not reply.file else None)
        if reply.file is not None:
            data, name = reply.file.data, reply.file.name
            sent = await self._paced(chat, lambda: bot.send_document(chat.chat_id, document=data, filename=name,
                                                                     reply_markup=markup))
        if sent is None:
            raise DeliveryError("empty reply", permanent=True)
        return SentRef(self.platform, chat.chat_id, str(sent.message_id))

    async def _send_text(self, bot: Any, chat: ChatRef, text: str, markup: InlineKeyboardMarkup | None) -> Any:
        try:
            return await self._paced(chat, lambda: bot.send_message(chat.chat_id, text, parse_mode=ParseMode.HTML,
                                                                    reply_markup=markup))
        except DeliveryError as exc:
            if "can't parse entities" not in exc.reason.lower():
                raise
            # Our HTML is broken (a bug to fix), but the reader still gets the words.
            log.error("telegram: HTML refused (%s), sending as plain text", exc.reason)
            return await self._paced(chat, lambda: bot.send_message(chat.chat_id, html_to_plain(text),
                                                                    reply_markup=markup))

    async def _paced(self, chat: ChatRef, call: Callable[[], Awaitable[Any]]) -> Any:
        release = await self.pacer.acquire(chat)
        try:
            return await call()
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        finally:
            release()


def create(runtime: Any) -> TelegramAdapter:
    """The registry's factory (``coworkbot.adapters`` entry point)."""
    return TelegramAdapter(runtime.settings, sessions=runtime.sessions)


async def probe(settings: Settings, sessions: SessionFactory | None) -> str:
    """getMe, for ``coworkbot check``."""
    from adapters.telegram_start import probe as get_me

    return await get_me(settings)
