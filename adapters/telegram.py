"""The Telegram adapter: python-telegram-bot 22, HTML replies, inline buttons.

Updates come from our own getUpdates loop (:mod:`adapters.telegram_polling`) or,
with ``TELEGRAM_WEBHOOK_URL``, are pushed to the web application
(:mod:`adapters.telegram_webhook`); either way they are kept in the database
until handled, in chat order (:mod:`adapters.telegram_updates`). The bot's own membership events
are :mod:`adapters.telegram_membership`, its menus :mod:`adapters.telegram_menus`,
and a reply's parts (split text, photo, file) :mod:`adapters.telegram_send`.

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
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram_edit import CallbackAnswer, edit_message, shown_as_message
from adapters.telegram_membership import MembershipEvents
from adapters.telegram_menus import CommandMenus
from adapters.telegram_errors import delivery_error
from adapters.telegram_receive import UpdateReceiver, receiving_heartbeat
from adapters.telegram_send import send_parts
from adapters.telegram_start import start_error
from bot import metrics
from bot.chat_membership import ChatMembership
from bot.config import Settings
from bot.deep_links import record_bot_username
from bot.messages import (Button, ChatRef, DeliveryError, Message, MessageHandler as CoreHandler, Reply,
                          RetryAfter, Sender, SentRef)
from bot.outbox import store_for_retry
from bot.pacer import SendPacer
from bot.web.context import Handler
from storage.db import SessionFactory

log = logging.getLogger(__name__)

CALLBACK_DATA_MAX = 64  # bytes, Telegram's limit for callback_data
ADMIN_TTL = 300.0  # seconds a group's admin list is trusted before asking again


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
    """One bot account, polling for updates or receiving them by webhook; implements :class:`bot.messages.Adapter`."""

    platform = "telegram"

    def __init__(self, settings: Settings, *, sessions: SessionFactory | None = None,
                 admin_ttl: float = ADMIN_TTL, poll_timeout: int = 10,
                 membership: ChatMembership | None = None, webhooks: dict[str, Handler] | None = None) -> None:
        if not settings.telegram_token:
            raise ValueError("COWORKBOT_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.sessions = sessions  # where a refused reply waits for the outbox
        self.admin_ttl = admin_ttl
        self.poll_timeout = poll_timeout
        self.heartbeat = receiving_heartbeat(settings, poll_timeout)  # /readyz (see bot.health)
        # webhooks: the web application's, where the webhook's handler goes while this process leads.
        self.updates = UpdateReceiver(settings, sessions, webhooks=webhooks, heartbeat=self.heartbeat,
                                      poll_timeout=poll_timeout)
        self.pacer = SendPacer(overall=(30, 1.0), per_chat=(20, 60.0))
        self.username = ""
        self._app: Application | None = None  # type: ignore[type-arg]
        self._handle: CoreHandler | None = None
        self._admins: dict[int, tuple[float, set[int]]] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self.menus = CommandMenus(self._bot, settings, sessions)
        if membership is None and sessions is not None:
            membership = ChatMembership(sessions, settings)
        self.membership = None if membership is None else MembershipEvents(
            membership, self.send, sessions, changed=self.menus.request_sync)

    # -- lifecycle ---------------------------------------------------------------
    def _build(self) -> Application:  # type: ignore[type-arg]
        # No Updater: updates come from our own getUpdates loop (adapters.telegram_polling), which
        # keeps the offset in the database and hands each update to Application.process_update.
        builder = (Application.builder().token(self.settings.telegram_token or "").updater(None)
                   .connection_pool_size(8).pool_timeout(10.0)
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
        for handler in self.membership.handlers() if self.membership else []:
            app.add_handler(handler)
        app.add_error_handler(self._on_error)
        try:
            await app.initialize()  # getMe: fails early on a bad token
            self.username = app.bot.username or ""
            if self.sessions is not None:
                record_bot_username(self.sessions, self.username)  # for the deep links the core builds
            await self.updates.start(app.bot, app.process_update)  # answering does not wait for the menus
            await self.menus.set_all(app.bot.id)
        except TelegramError as exc:
            await self.updates.stop()
            self._app = None
            await self._close(app)  # so that the next attempt starts from scratch
            raise start_error(self.settings, exc) from None
        how = "receiving updates by webhook" if self.updates.by_webhook else "polling"
        log.info("telegram: %s as @%s", how, self.username)

    async def stop(self) -> None:
        app, self._app = self._app, None
        if app is None:
            return
        self.pacer.close()  # replies waiting for a group's budget give up instead of holding the stop
        await self.updates.stop()  # updates cut off here were kept: the next start handles them
        await self.menus.stop()
        await self._close(app)

    @staticmethod
    async def _close(app: Application) -> None:  # type: ignore[type-arg]
        if app.running:
            await app.stop()
        await app.shutdown()

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
        self.menus.after_command(message.text)  # /manager add, /space link: appointed managers' menus

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        answer = CallbackAnswer(query)  # once: the toast, or no text before Telegram's deadline
        origin = query.message  # None when the message is too old for Telegram to say where it was
        pressed = None
        if origin is not None:
            ref = ChatRef(self.platform, str(origin.chat.id), is_direct=origin.chat.type == ChatType.PRIVATE)
            pressed = SentRef(self.platform, ref.chat_id, str(origin.message_id))
        else:
            ref = ChatRef(self.platform, str(query.from_user.id), is_direct=True)
        try:
            async with self._lock(int(ref.chat_id)):
                admin = not ref.is_direct and await self._is_admin(int(ref.chat_id), query.from_user.id)
                message = Message(ref, sender_of(query.from_user), query.data, sender_is_chat_admin=admin)
                assert self._handle is not None
                replies = await self._handle(message)
                await answer.give(replies)  # errors and RSVPs are this toast alone (telegram_edit)
                await self._deliver(message, [r for r in replies if shown_as_message(r)], pressed)
        finally:
            await answer.give([])  # answered already, unless something above failed

    async def _answer(self, message: Message) -> None:
        assert self._handle is not None
        await self._deliver(message, await self._handle(message))

    async def _deliver(self, message: Message, replies: list[Reply], pressed: SentRef | None = None) -> None:
        """Send the replies to a message; one that is the new version of the ``pressed`` message edits it.

        Once one is deferred to the outbox, the ones after it follow it there, so they keep their order.
        """
        deferred: DeliveryError | None = None
        for reply in replies:
            if deferred is not None and self.sessions is not None:
                store_for_retry(self.sessions, message.chat, reply, message.sender, deferred)
                continue
            try:
                if pressed is not None and reply.on_button == "edit":
                    await self._edit_pressed(message.chat, pressed, reply)
                else:
                    await self.send(message.chat, reply)
            except DeliveryError as exc:
                # A direct chat's id is the user's: the log names groups only.
                where = "a direct chat" if message.chat.is_direct else message.chat.chat_id
                if exc.permanent or self.sessions is None:
                    log.warning("telegram: reply to %s not delivered: %s", where, exc.reason)
                else:  # not lost: the outbox retries it with backoff
                    log.warning("telegram: reply to %s deferred to the outbox: %s", where, exc.reason)
                    store_for_retry(self.sessions, message.chat, reply, message.sender, exc)
                    deferred = DeliveryError(exc.reason)
                    if isinstance(exc, RetryAfter):  # the ones after it wait as long
                        deferred = RetryAfter(exc.seconds, exc.reason)

    async def _edit_pressed(self, chat: ChatRef, pressed: SentRef, reply: Reply) -> None:
        """Edit the message whose button was pressed; one that cannot be edited gets a new message instead."""
        try:
            await self.edit(pressed, reply)
        except DeliveryError as exc:
            if not exc.permanent:
                raise
            log.info("telegram: pressed message not edited (%s); sending the answer instead", exc.reason)
            await self.send(chat, reply)

    def _lock(self, chat_id: int) -> asyncio.Lock:
        """Taken before the first await of an update, so a chat's updates are answered in order."""
        return self._chat_locks.setdefault(str(chat_id), asyncio.Lock())

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
        """Send a reply as its parts (see :mod:`adapters.telegram_send`), after those sent before.

        Text in chunks under 4096 characters, a picture as a photo with the text as its caption,
        another file after the text; buttons under the last part.
        """
        sent = await send_parts(self._paced, self._bot(), chat, reply, keyboard(reply.buttons))
        # None: every part had gone out before (nothing was left to send).
        return SentRef(self.platform, chat.chat_id, str(sent.message_id) if sent is not None else "")

    async def edit(self, message: SentRef, reply: Reply) -> SentRef:
        """Edit a message the bot sent to say ``reply`` (text and buttons), within the chat's send budget."""
        chat = ChatRef(self.platform, message.chat_id, is_direct=not message.chat_id.startswith("-"))
        return await edit_message(self._bot(), self._paced, chat, message, reply, keyboard(reply.buttons))

    async def _paced(self, chat: ChatRef, call: Callable[[], Awaitable[Any]]) -> Any:
        release = await self.pacer.acquire(chat)
        try:
            return await call()
        except TelegramError as exc:
            error = delivery_error(exc)
            if isinstance(exc, ChatMigrated) and self.membership is not None:
                self.membership.chat_moved(int(chat.chat_id), exc.new_chat_id)  # the outbox retries it there
            if isinstance(error, RetryAfter):  # nothing more goes to that chat before Telegram allows it
                self.pacer.pause(chat, error.seconds)
                metrics.rate_limited(self.platform)
            raise error from exc
        finally:
            release()


def create(runtime: Any) -> TelegramAdapter:
    """The registry's factory (``coworkbot.adapters`` entry point)."""
    membership = ChatMembership(runtime.sessions, runtime.settings, on_outbox=runtime.worker.wakeup.set)
    return TelegramAdapter(runtime.settings, sessions=runtime.sessions, membership=membership,
                           webhooks=runtime.web.webhooks if runtime.web is not None else None)


async def probe(settings: Settings, sessions: SessionFactory | None) -> str:
    """getMe, for ``coworkbot check``."""
    from adapters.telegram_start import probe as get_me

    return await get_me(settings)
