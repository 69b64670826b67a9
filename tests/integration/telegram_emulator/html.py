"""Telegram's HTML parse mode, for the Bot API emulator.

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

from typing import Any

from tests.integration.telegram_emulator.entities import (
    EntityParseError,
    FormattedText,
    entity_sort_key,
    utf16_len,
)
from tests.integration.telegram_emulator.html_tags import OpenTag, close_entity

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
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACES = frozenset(b" \t\r\n\v\0")  # tdlib's is_space() counts the terminating NUL
_LT, _GT, _AMP, _SLASH, _EQ = b"<", b">", b"&", b"/", b"="


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    """Parse Telegram HTML into text and entities, or raise EntityParseError like Telegram."""
    data = source.encode("utf-8") + b"\0"  # the C code relies on a terminating NUL
    size = len(data) - 1
    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[OpenTag] = []
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
    entities.sort(key=entity_sort_key)
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
    data: bytes, begin: int, i: int, stack: list[OpenTag], utf16: int, out_pos: int
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
    stack.append(OpenTag(tag, argument, utf16, out_pos))
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
    stack: list[OpenTag],
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
        close_entity(opened, utf16 - opened.utf16_offset, inner_text, entities)
    stack.pop()
    return i
