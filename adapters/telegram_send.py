"""A reply as the Telegram messages it takes, sent part by part, resuming after the parts already sent.

A reply may need several messages: a text over 4096 characters is split
(:mod:`adapters.telegram_text`), a picture goes as a photo whose caption holds
the text (1024 characters at most: the rest follows as text messages), any
other file goes as a document after the text. Buttons go under the last part.

The parts are numbered in the order they are sent, and that order depends on
the reply alone, so a retry of the same reply has the same parts. When a part
fails, the error says how many went out before it
(:attr:`~bot.messages.DeliveryError.parts_sent`); the outbox stores that and
the retry starts at the first part not sent: nobody reads a part twice.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from adapters.telegram_text import split_html
from bot.messages import Attachment, ChatRef, DeliveryError, Reply, html_to_plain

log = logging.getLogger("adapters.telegram")

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption
PHOTO_TYPES = ("image/png", "image/jpeg")
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # larger pictures only go as documents

#: Runs one Bot API call within the send budget; Telegram's errors come out as DeliveryError.
Paced = Callable[[ChatRef, Callable[[], Awaitable[Any]]], Awaitable[Any]]


@dataclass(frozen=True)
class Part:
    """One message of a reply: ``text`` alone, or a ``file`` (a photo's caption in ``text``)."""

    text: str = ""
    file: Attachment | None = None
    as_photo: bool = False


def is_photo(file: Attachment) -> bool:
    """A picture Telegram shows inline (a chart, a QR code) rather than as a file to download."""
    return file.mime_type in PHOTO_TYPES and len(file.data) <= PHOTO_MAX_BYTES


def visible_length(html: str) -> int:
    """The length Telegram counts for a caption: the text without tags, in UTF-16 code units."""
    return len(html_to_plain(html).encode("utf-16-le")) // 2


def _text_parts(text: str) -> list[Part]:
    return [Part(chunk) for chunk in split_html(text) if html_to_plain(chunk).strip()] if text else []


def parts_of(reply: Reply) -> list[Part]:
    """The messages ``reply`` is sent as, in order."""
    file = reply.file
    if file is not None and is_photo(file):
        if visible_length(reply.text) <= CAPTION_LIMIT:
            return [Part(reply.text, file, as_photo=True)]
        first, *rest = split_html(reply.text, CAPTION_LIMIT)
        return [Part(first, file, as_photo=True), *_text_parts("\n".join(rest))]
    parts = _text_parts(reply.text)
    if file is not None:
        parts.append(Part("", file))
    return parts


async def send_parts(paced: Paced, bot: Any, chat: ChatRef, reply: Reply,
                     markup: InlineKeyboardMarkup | None) -> Any:
    """Send the parts of ``reply`` not sent yet; the last message sent (None if none was left).

    A failure is raised with ``parts_sent`` counting every part sent so far,
    by this call and the attempts before it.
    """
    parts = parts_of(reply)
    if not parts:
        raise DeliveryError("empty reply", permanent=True)
    sent: Any = None
    for index in range(reply.parts_sent, len(parts)):
        part = parts[index]
        last_markup = markup if index == len(parts) - 1 else None
        try:
            sent = await _send_part(paced, bot, chat, part, last_markup)
        except DeliveryError as exc:
            exc.parts_sent = index
            raise
    return sent


async def _send_part(paced: Paced, bot: Any, chat: ChatRef, part: Part, markup: InlineKeyboardMarkup | None) -> Any:
    if part.file is None:
        return await _with_plain_fallback(part.text, lambda text, mode: paced(
            chat, lambda: bot.send_message(chat.chat_id, text, parse_mode=mode, reply_markup=markup)))
    file = part.file
    if part.as_photo:
        return await _with_plain_fallback(part.text, lambda text, mode: paced(
            chat, lambda: bot.send_photo(chat.chat_id, photo=file.data, filename=file.name, caption=text or None,
                                         parse_mode=mode if text else None, reply_markup=markup)))
    return await paced(chat, lambda: bot.send_document(chat.chat_id, document=file.data, filename=file.name,
                                                       reply_markup=markup))


async def _with_plain_fallback(text: str, send: Callable[[str, str | None], Awaitable[Any]]) -> Any:
    """Send as HTML; if Telegram cannot parse it (a bug of ours), the reader still gets the words."""
    try:
        return await send(text, ParseMode.HTML)
    except DeliveryError as exc:
        if "can't parse entities" not in exc.reason.lower():
            raise
        log.error("telegram: HTML refused (%s), sending as plain text", exc.reason)
        return await send(html_to_plain(text), None)
