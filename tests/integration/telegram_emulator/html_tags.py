"""What each closed HTML tag becomes: the Bot API entity tdlib makes of it.

The parser in ``html`` deals with bytes, attributes and nesting errors; once a
non-empty tag is closed, this module applies tdlib's rules for the entity it
yields (``<pre><code class="language-x">`` as one pre entity, ``tg://user?id=``
links as text mentions, links without a scheme made http, unusable links
dropped). Kept apart so the byte-level port stays short enough to compare with
tdlib line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.integration.telegram_emulator.entities import EntityParseError

_SIMPLE_TAG_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("tg-spoiler", "span"), "spoiler"),  # span only with class="tg-spoiler"
}


@dataclass
class OpenTag:
    """A start tag still waiting for its end tag."""

    name: str
    argument: str
    utf16_offset: int
    output_pos: int  # byte position in the output, to read the text of <a> without href


def close_entity(
    tag: OpenTag, length: int, inner_text: str, entities: list[dict[str, Any]]
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
