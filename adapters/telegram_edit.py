"""Button presses and edits on Telegram: the toast that answers a press, and editing a message in place.

A pressed inline button runs its command like a typed one; what differs is how
the answer comes back (:attr:`bot.messages.Reply.on_button`). The callback
query is answered exactly once, with a short toast in the presser's language
(the core's replies are in it), before anything is sent: Telegram refuses
answers to queries older than about 15 seconds, so a press still waiting
behind a busy group is answered without text just before that. An error, or an
answer that shows elsewhere (an RSVP: the announcement's live counts), is the
toast alone, so a press never fills a group with messages; an answer that is
the new version of the pressed message (settings toggles, ✅/❌ of a new
event) edits it, and the buttons it no longer has go with the edit.

Edits of messages the bot posted earlier (announcements with live counts) come
from the outbox through :meth:`TelegramAdapter.edit`: "message is not modified"
is success, and a message that is gone or no longer editable fails for good,
so the outbox neither retries it nor edits it again.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from adapters.telegram_text import split_html
from bot.messages import ChatRef, DeliveryError, Reply, SentRef, html_to_plain

log = logging.getLogger(__name__)

TOAST_MAX = 200  # UTF-16 code units, Telegram's limit for a callback answer's text
ANSWER_DEADLINE = 10.0  # seconds after which a press is answered without text (Telegram: ~15 s)
NOT_MODIFIED = "message is not modified"
#: Refusals after which that message cannot be edited, ever.
EDIT_IMPOSSIBLE = ("message to edit not found", "message can't be edited", "there is no text in the message",
                   "message_id_invalid", "message is too long")

Paced = Callable[[ChatRef, Callable[[], Awaitable[Any]]], Awaitable[Any]]


def shown_as_message(reply: Reply) -> bool:
    """Whether a reply to a pressed button is still a message (sent, or the edit of the pressed one)."""
    return not reply.error and reply.on_button != "notice"


def toast_text(replies: list[Reply]) -> str | None:
    """The toast for a press: the first reply's notice, else its text (first line when a message follows)."""
    for reply in replies:
        text = reply.notice
        if not text:
            lines = [line.strip() for line in html_to_plain(reply.text).splitlines() if line.strip()]
            text = (lines[0] if shown_as_message(reply) else " ".join(lines)) if lines else ""
        if text:
            return _shorten(text, TOAST_MAX)
    return None


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 code units (how Telegram counts), with an ellipsis when cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    while len(text.encode("utf-16-le")) // 2 > limit - 1:
        text = text[:-1]
    return text.rstrip() + "…"


class CallbackAnswer:
    """Answers one callback query exactly once: with the toast, or empty before Telegram's deadline."""

    def __init__(self, query: CallbackQuery, deadline: float | None = None) -> None:
        self.query = query
        self._answered = False
        self._late = asyncio.create_task(self._answer_late(ANSWER_DEADLINE if deadline is None else deadline))

    async def _answer_late(self, deadline: float) -> None:
        await asyncio.sleep(deadline)
        log.info("telegram: a button press waited %.0f s for its answer; answered without text", deadline)
        await self._answer(None)

    async def give(self, replies: list[Reply]) -> None:
        """Answer with the toast of ``replies`` (none: no text), unless already answered."""
        if not self._answered:
            self._late.cancel()
        await self._answer(toast_text(replies))

    async def _answer(self, text: str | None) -> None:
        if self._answered:
            return
        self._answered = True  # before the await: the late answer and this one never both go
        try:
            await self.query.answer(text=text)
        except TelegramError as exc:
            log.info("telegram: callback answer failed: %s", exc)


async def edit_message(bot: Any, paced: Paced, chat: ChatRef, message: SentRef, reply: Reply,
                       markup: InlineKeyboardMarkup | None) -> SentRef:
    """editMessageText with the reply's text and buttons (no buttons: the keyboard goes).

    A reply that is not one text message (a file, more than 4096 characters) cannot
    replace one: a permanent error, and the caller sends it instead.
    """
    parts = split_html(reply.text) if reply.text else []
    if reply.file is not None or len(parts) != 1:
        raise DeliveryError("this reply does not fit in one message: it cannot replace one", permanent=True)

    async def edit(text: str, parse_mode: str | None) -> None:
        await paced(chat, lambda: bot.edit_message_text(text, chat_id=chat.chat_id, message_id=int(message.message_id),
                                                        parse_mode=parse_mode, reply_markup=markup))

    try:
        try:
            await edit(parts[0], ParseMode.HTML)
        except DeliveryError as exc:
            if "can't parse entities" not in exc.reason.lower():
                raise
            log.error("telegram: HTML refused in an edit (%s), editing as plain text", exc.reason)
            await edit(html_to_plain(parts[0]), None)
    except DeliveryError as exc:
        reason = exc.reason.lower()
        if NOT_MODIFIED in reason:
            return message  # it already says this: nothing to do, nothing to retry
        if any(words in reason for words in EDIT_IMPOSSIBLE):
            raise DeliveryError(exc.reason, permanent=True) from exc
        raise
    return message
