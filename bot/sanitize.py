"""Untrusted input made safe at the core's boundary, and the one reader of the numbers users type.

Platforms hand over anything. A NUL is refused by PostgreSQL in any text column while SQLite
stores it, so the same command (or a display name) worked on one database and failed on the
other; other C0/C1 control characters garble logs and other members' screens; lone surrogates
cannot be encoded at all; and ``é`` typed composed or decomposed compared unequal. The core
therefore cleans every message once (:func:`clean_message`) before anything reads it.

Numbers are read here only (:func:`parse_id`, :func:`bounded_int`, :func:`bounded_decimal`):
digits of any length give a value within the caller's limits or a clear "no", never an
OverflowError in Python nor an integer overflow in PostgreSQL.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.messages import Message

# C0 and C1 control characters except tab and newline, DEL, and lone surrogates.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CARRIAGE_RETURN = re.compile(r"\r\n?")

#: The largest id a row can have: PostgreSQL's ``integer``.
ID_MAX = 2**31 - 1


def clean_text(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept; CR and CRLF become newlines), in NFC."""
    if "\r" in text:
        text = _CARRIAGE_RETURN.sub("\n", text)
    text = _UNWANTED.sub("", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def clean_line(text: str) -> str:
    """A one-line value (a name, a handle): like :func:`clean_text`, and line breaks become spaces."""
    text = clean_text(text)
    return text.replace("\n", " ").replace("\t", " ") if "\n" in text or "\t" in text else text


def clean_message(message: Message) -> Message:
    """The message with its text and the sender's names cleaned (the same object when already clean)."""
    sender = message.sender
    text = clean_text(message.text)
    fields = {
        "user_id": clean_line(sender.user_id),
        "display_name": clean_line(sender.display_name),
        "handle": clean_line(sender.handle) if sender.handle is not None else None,
        "language": clean_line(sender.language) if sender.language is not None else None,
    }
    chat_id = clean_line(message.chat.chat_id)
    if text == message.text and chat_id == message.chat.chat_id and all(
            value == getattr(sender, name) for name, value in fields.items()):
        return message
    return replace(message, text=text, chat=replace(message.chat, chat_id=chat_id), sender=replace(sender, **fields))


def _decimal_digits(text: str) -> str | None:
    """The ASCII digits of a decimal number written in any script (``٣`` → ``3``), or None."""
    if not text or not text.isdecimal():
        return None
    return text if text.isascii() else "".join(str(unicodedata.decimal(c)) for c in text)


def bounded_int(text: str, maximum: int) -> int | None:
    """The whole number ``text`` spells, if it is between 0 and ``maximum``; None otherwise.

    Digits of any length are fine: their count is compared before any conversion.
    """
    digits = _decimal_digits(text.strip())
    if digits is None:
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    value = int(digits)
    return value if value <= maximum else None


def bounded_decimal(text: str, maximum: int) -> float | None:
    """``2.5`` or ``2,5`` → 2.5, if between 0 and ``maximum``; None otherwise (any length)."""
    whole, _, fraction = text.strip().replace(",", ".").partition(".")
    value = bounded_int(whole, maximum)
    if value is None or (fraction and _decimal_digits(fraction) is None):
        return None
    number = float(f"{value}.{_decimal_digits(fraction)}") if fraction else float(value)
    return number if number <= maximum else None


def parse_id(text: str) -> int | None:
    """The id a user typed (``12`` or ``#12``); None when the text is not written as an id.

    Digits that no row can have (0, or beyond :data:`ID_MAX`) give 0, which matches no row:
    the caller's "there is no #…" answer then applies, as for any unknown id.
    """
    text = text.strip().removeprefix("#")
    if _decimal_digits(text) is None:
        return None
    value = bounded_int(text, ID_MAX)
    return value or 0
