"""Long lists as pages: at most :data:`PAGE_SIZE` entries, "n more", Previous/Next buttons.

A list command (``/spaces``, ``/events``, ``/needs``, ``/here``, ``/who``) takes a page number
as its last word (``/spaces HR 2``), reads it with :func:`split_page`, cuts its entries with
:func:`page_of` (a list in memory) or :func:`page_window` (LIMIT/OFFSET for a query), and ends
its reply with :func:`page_footer` and :func:`page_buttons`. The buttons run the same command
with the other page number, so a Telegram press and a Matrix user typing ``!spaces 2`` take the
same path. A page number past the end shows the last page rather than an empty one.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from markupsafe import Markup

from bot.i18n import Translator
from bot.messages import Button
from bot.sanitize import bounded_int

PAGE_SIZE = 15
PAGE_MAX = 10**6  # a larger number is read as "the last page"
T = TypeVar("T")
_DIGITS = re.compile(r"([0-9]+)")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its entries, its 1-based number and how many entries the list has."""

    items: Sequence[T]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """How many entries come before this page."""
        return (self.number - 1) * self.size

    @property
    def after(self) -> int:
        """How many entries come after this page."""
        return max(0, self.total - self.offset - len(self.items))


def split_page(args: str) -> tuple[str, int]:
    """``HR 2`` → (``HR``, 2); ``Split`` → (``Split``, 1); ``2`` → ("", 2).

    The page is the last word when it is a number; 0 reads as 1, a huge number as the last page.
    """
    head, _, last = args.strip().rpartition(" ")
    if not last.isdecimal():
        return args.strip(), 1
    number = bounded_int(last, PAGE_MAX)
    return head.strip(), max(1, PAGE_MAX if number is None else number)


def last_page(total: int, number: int, size: int = PAGE_SIZE) -> int:
    """``number`` kept within the pages a list of ``total`` entries has."""
    return min(max(1, number), max(1, -(-total // size)))


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page ``number`` of a list held in memory."""
    number = last_page(len(items), number, size)
    start = (number - 1) * size
    return Page(items[start:start + size], number, len(items), size)


def page_window(total: int, number: int, size: int = PAGE_SIZE) -> tuple[int, int, int]:
    """(page number, offset, limit) for a query over ``total`` rows: count first, then fetch one page."""
    number = last_page(total, number, size)
    return number, (number - 1) * size, size


def page_footer(tr: Translator, page: Page[T]) -> Markup | None:
    """"Page 2 of 5, 45 more." (None when the list fits on one page)."""
    if page.count == 1:
        return None
    if page.after:
        return tr.tn("Page {page} of {pages}, {n} more.", "Page {page} of {pages}, {n} more.", page.after,
                     page=page.number, pages=page.count)
    return tr.t("Page {page} of {pages}.", page=page.number, pages=page.count)


def page_buttons(tr: Translator, page: Page[T], command: str) -> list[list[Button]]:
    """One row with ◀ Previous / Next ▶ running ``command`` (``/spaces HR``) with the page number."""
    row = []
    if page.number > 1:
        row.append(Button(str(tr.t("◀ Previous")), f"{command} {page.number - 1}"))
    if page.number < page.count:
        row.append(Button(str(tr.t("Next ▶")), f"{command} {page.number + 1}"))
    return [row] if row else []


def fold(text: str) -> str:
    """Case and accents aside, for matching and sorting (``Ćevapi Hub`` → ``cevapi hub``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: numbers by value, text case- and accent-folded (``Space 2`` before ``Space 102``).

    Not a locale's collation (no ICU), but what a reader expects of names in any of our languages.
    """
    return tuple((0, int(part)) if _DIGITS.fullmatch(part) else (1, part)
                 for part in _DIGITS.split(fold(text)) if part)
