"""Splitting HTML replies below Telegram's 4096-character message limit.

A long reply (``/here`` in a big space, a long ``/events``) is cut at line
boundaries; a tag open across the cut is closed at the end of one part and
opened again at the start of the next, so each part is valid HTML on its own.
A single line longer than a part is cut at a space, never inside a tag or an
entity. Lengths are counted on the HTML source, which is never shorter than
the text Telegram counts, so every part is accepted.
"""
from __future__ import annotations

import re

TEXT_LIMIT = 4096
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` as parts of at most ``limit`` characters, each with balanced tags."""
    if len(text) <= limit:
        return [text]
    pieces: list[tuple[str, str]] = []  # (joiner before the piece, piece)
    for line in text.split("\n"):
        for index, piece in enumerate(_cut_line(line, limit // 2)):
            pieces.append(("\n" if index == 0 else "", piece))
    parts: list[str] = []
    current, stack = "", []  # stack: (tag name, opening tag as written)
    for joiner, piece in pieces:
        new_stack = _apply_tags(stack, piece)
        candidate = current + joiner + piece if current else piece
        if current and len(candidate) + len(_closing(new_stack)) > limit:
            parts.append(current + _closing(stack))
            candidate = "".join(opening for _, opening in stack) + piece
        current, stack = candidate, new_stack
    parts.append(current + _closing(stack))
    return parts


def _apply_tags(stack: list[tuple[str, str]], piece: str) -> list[tuple[str, str]]:
    """The tags still open after ``piece``."""
    stack = list(stack)
    for match in _TAG.finditer(piece):
        name = match.group(2).lower()
        if not match.group(1):
            stack.append((name, match.group(0)))
        elif any(open_name == name for open_name, _ in stack):
            while stack and stack.pop()[0] != name:
                pass
    return stack


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _cut_line(line: str, size: int) -> list[str]:
    """A line as pieces of at most ``size`` characters, cut at spaces outside tags and entities."""
    pieces = []
    while len(line) > size:
        cut = line.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
        cut = _safe_cut(line, cut)
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def _safe_cut(line: str, cut: int) -> int:
    """Move ``cut`` back so it falls neither inside ``<...>`` nor inside ``&...;``."""
    tag_open = line.rfind("<", 0, cut)
    if tag_open > line.rfind(">", 0, cut):
        cut = tag_open
    amp = line.rfind("&", 0, cut)
    if amp > line.rfind(";", 0, cut) and cut - amp <= 10:
        cut = amp
    return max(cut, 1)
