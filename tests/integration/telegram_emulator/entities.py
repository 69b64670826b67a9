"""Telegram's entity bookkeeping shared by every text the emulator handles.

A formatted text is plain text plus Bot API entity dicts whose offsets and
lengths are UTF-16 code units. Besides the HTML parser, the emulator needs the
rest of Telegram's rules on its own: trimming whitespace while clipping
entities, the entities Telegram detects by itself in every message (commands,
mentions, hashtags, URLs), and tdlib's sort order, so they live here rather
than inside the parser, together with ``EntityParseError``, the error for
markup Telegram refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# tdlib sorts entities by offset, then longest first, then by this priority (default 50).
_TYPE_PRIORITY = {
    "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94,
    "custom_emoji": 99, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49,
    "blockquote": 0, "expandable_blockquote": 0,
}  # fmt: skip


class EntityParseError(ValueError):
    """Telegram refused the markup; ``str(exc)`` is the text after "can't parse entities: "."""


@dataclass
class FormattedText:
    """A message text as Telegram stores it: plain text plus Bot API entity dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Bot API offset."""
    return len(text.encode("utf-16-le")) // 2


def entity_sort_key(entity: dict[str, Any]) -> tuple[int, int, int]:
    """tdlib's entity order: by offset, longest first, then by type priority."""
    return entity["offset"], -entity["length"], _TYPE_PRIORITY.get(entity["type"], 50)


def trim(formatted: FormattedText) -> FormattedText:
    """Strip leading/trailing whitespace as Telegram does, clipping entities to what is left."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


# The patterns tdlib documents in match_bot_commands / match_mentions / match_hashtags.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_HASHTAG = re.compile(r"(?<!\w)#\w{1,256}(?![\w#])")
_URL = re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


def detect_entities(
    text: str, existing: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Entities Telegram finds by itself in a text (commands, mentions, hashtags, URLs).

    Telegram adds these to every message; those overlapping ``existing`` entities
    of the kinds that hide them (code, pre, links) or each other are left out.
    """
    blocking = [
        (e["offset"], e["offset"] + e["length"])
        for e in existing or []
        if e["type"] in ("code", "pre", "text_link", "text_mention")
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in (
        ("bot_command", _BOT_COMMAND),
        ("url", _URL),
        ("mention", _MENTION),
        ("hashtag", _HASHTAG),
    ):
        for match in pattern.finditer(text):
            if kind == "hashtag" and not any(ch.isalpha() for ch in match.group()[1:]):
                continue
            offset = utf16_len(text[: match.start()])
            end = offset + utf16_len(match.group())
            if any(offset < b_end and b_start < end for b_start, b_end in blocking):
                continue
            blocking.append((offset, end))
            found.append({"type": kind, "offset": offset, "length": end - offset})
    return sorted((existing or []) + found, key=entity_sort_key)
