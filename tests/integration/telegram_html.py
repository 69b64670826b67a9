"""Telegram's text formatting rules, for the Bot API emulator.

The HTML parser is a line-by-line port of ``parse_html`` in tdlib's
``td/telegram/MessageEntity.cpp`` (the code the real Bot API server runs), so
that a message the emulator accepts is one Telegram accepts, with the same
error text and the same byte offsets. Offsets and lengths of entities are in
UTF-16 code units, as in the Bot API.

One deliberate difference, switched by ``strict_ampersand``: Telegram keeps an
``&`` that does not start a known entity (``&foo``, ``R&D``) as literal text,
while the Bot API documentation asks for every literal ``&`` to be escaped.
An unescaped ``&`` is almost always a missing ``html.escape`` in the bot, and
it silently corrupts user text such as ``&lt`` into ``<``, so the emulator
rejects it by default to make the test fail where the bug is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("tg-spoiler", "span"), "spoiler"),  # span only with class="tg-spoiler"
}
# tdlib sorts entities by offset, then longest first, then by this priority (default 50).
_TYPE_PRIORITY = {
    "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94,
    "custom_emoji": 99, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49,
    "blockquote": 0, "expandable_blockquote": 0,
}  # fmt: skip

_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACES = frozenset(b" \t\r\n\v\0")  # tdlib's is_space() counts the terminating NUL
_LT, _GT, _AMP, _SLASH, _EQ = b"<", b">", b"&", b"/", b"="


class EntityParseError(ValueError):
    """Telegram refused the markup; ``str(exc)`` is the text after "can't parse entities: "."""


@dataclass
class FormattedText:
    """A message text as Telegram stores it: plain text plus Bot API entity dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    output_pos: int  # byte position in the output, to read the text of <a> without href


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Bot API offset."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    """Parse Telegram HTML into text and entities, or raise EntityParseError like Telegram."""
    data = source.encode("utf-8") + b"\0"  # the C code relies on a terminating NUL
    size = len(data) - 1
    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    i = 0
    while i < size:
        c = data[i]
        if c == _AMP[0]:
            decoded, end = _decode_html_entity(data, i)
            if decoded is not None:
                out += decoded.encode("utf-8")
                utf16 += utf16_len(decoded)
                i = end
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f'Character "&" at byte offset {i} does not start an HTML entity; '
                    'escape it as "&amp;" (real Telegram would keep it as text, '
                    "the emulator rejects it in strict mode)"
                )
        if c != _LT[0]:
            if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if data[i] != _SLASH[0]:
            i = _parse_start_tag(data, begin, i, stack, utf16, len(out))
        else:
            i = _parse_end_tag(data, begin, i, stack, entities, utf16, out)
        i += 1  # skip the closing '>'
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    text = out.decode("utf-8")
    entities.sort(key=_entity_sort_key)
    return FormattedText(text, entities)


def _decode_html_entity(data: bytes, pos: int) -> tuple[str | None, int]:
    """Decode ``&name;`` / ``&#NN;`` / ``&#xHH;`` at pos: (character or None, end position)."""
    end = pos + 1
    if data[end : end + 1] == b"#":
        end += 1
        hexadecimal = data[end : end + 1] == b"x"
        if hexadecimal:
            end += 1
        digits = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
        start = end
        while data[end] in digits:
            end += 1
        code = int(data[start:end], 16 if hexadecimal else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None, pos
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        character = chr(code)
    else:
        while chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(data[pos + 1 : end])
        if named is None:
            return None, pos
        character = named
    if data[end : end + 1] == b";":
        end += 1
    return character, end


def _parse_start_tag(
    data: bytes, begin: int, i: int, stack: list[_OpenTag], utf16: int, out_pos: int
) -> int:
    """Read ``<tag attr="v">`` from begin; push it on the stack; return the index of '>'."""
    while data[i] not in _SPACES and data[i] != _GT[0]:
        i += 1
    if data[i] == 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
    if tag not in SUPPORTED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while data[i] != _GT[0]:
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] == _GT[0]:
            break
        name_start = i
        while data[i] not in _SPACES and data[i] not in b"=>/\"'":
            i += 1
        name = data[name_start:i].decode("utf-8", "replace")
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
            )
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] != _EQ[0]:
            if data[i] == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and name == "expandable":
                argument = "1"
            continue
        i += 1
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] == 0:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value, i = _read_attribute_value(data, i)
        if data[i] == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append(_OpenTag(tag, argument, utf16, out_pos))
    return i


def _read_attribute_value(data: bytes, i: int) -> tuple[str, int]:
    """Read a quoted string or a bare name token starting at i."""
    quote = data[i]
    if quote not in b"'\"":
        start = i
        while chr(data[i]).isascii() and (chr(data[i]).isalnum() or data[i] in b".-"):
            i += 1
        if data[i] not in _SPACES and data[i] != _GT[0]:
            raise EntityParseError(f"Unexpected end of name token at byte offset {start}")
        return data[start:i].decode("utf-8", "replace").lower(), i
    i += 1
    value = bytearray()
    while data[i] != quote and data[i] != 0:
        if data[i] == _AMP[0]:
            decoded, end = _decode_html_entity(data, i)
            if decoded is not None:
                value += decoded.encode("utf-8")
                i = end
                continue
        value.append(data[i])
        i += 1
    if data[i] == quote:
        i += 1
    return value.decode("utf-8", "replace"), i


def _parse_end_tag(
    data: bytes,
    begin: int,
    i: int,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
    utf16: int,
    out: bytearray,
) -> int:
    """Read ``</tag>`` from begin, close the innermost open tag; return the index of '>'."""
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
    while data[i] not in _SPACES and data[i] != _GT[0]:
        i += 1
    end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
    while data[i] != 0 and data[i] in _SPACES:
        i += 1
    if data[i] != _GT[0]:
        raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
    opened = stack[-1]
    if end_name and end_name != opened.name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", '
            f'found "</{end_name}>"'
        )
    if utf16 > opened.utf16_offset:
        inner_text = bytes(out[opened.output_pos :]).decode("utf-8", "replace")
        _close_entity(opened, utf16 - opened.utf16_offset, inner_text, entities)
    stack.pop()
    return i


def _close_entity(
    tag: _OpenTag, length: int, inner_text: str, entities: list[dict[str, Any]]
) -> None:
    """Turn a closed, non-empty tag into its Bot API entity (tdlib's rules, incl. pre+code)."""
    offset = tag.utf16_offset
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag.name in _SIMPLE_TAG_TYPES:
        entities.append({"type": _SIMPLE_TAG_TYPES[tag.name], "offset": offset, "length": length})
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": tag.argument,
            }
        )
    elif tag.name == "a":
        url = tag.argument or inner_text
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            entities.append(
                {
                    "type": "text_mention",
                    "offset": offset,
                    "length": length,
                    "user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""},
                }
            )
        elif checked := _checked_link(url):
            entities.append(
                {"type": "text_link", "offset": offset, "length": length, "url": checked}
            )
    elif tag.name == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"  # <pre><code class="language-x"> is one pre entity
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag.name == "code":
        if same_span and last is not None and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        else:
            entity = {"type": "code", "offset": offset, "length": length}
            if tag.argument:
                entity["language"] = tag.argument  # dropped at the end unless a <pre> claims it
            entities.append(entity)
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def _checked_link(url: str) -> str:
    """A simplified tdlib get_checked_link: no scheme means http, unusable links are dropped."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    if "://" not in url and not url.startswith(("tg:", "mailto:")):
        url = "http://" + url
    return url


def _entity_sort_key(entity: dict[str, Any]) -> tuple[int, int, int]:
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
    return sorted((existing or []) + found, key=_entity_sort_key)
