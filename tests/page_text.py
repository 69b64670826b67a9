"""What a reader of an HTML page sees, for asserts: its language, headings, list items, table rows, links.

Read with the standard library's parser, from the server's HTML or from a browser's DOM, so tests
assert on text a visitor reads rather than on markup details.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_COLLECTED = {"title", "h1", "h2", "h3", "li", "tr", "a", "p", "dd", "caption", "main", "header", "nav", "footer"}
_VOID = {"br", "meta", "link", "img", "input", "hr"}


def squash(text: str) -> str:
    """Whitespace as a reader sees it (CLDR's no-break and narrow spaces as plain spaces)."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


@dataclass
class PageText:
    lang: str = ""
    #: tag → the text of each such element, in document order.
    texts: dict[str, list[str]] = field(default_factory=dict)
    #: (href, text, attributes) of every link.
    links: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: Every element's tag with its attributes, in document order.
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    scripts: int = 0

    def __getitem__(self, tag: str) -> list[str]:
        return self.texts.get(tag, [])

    @property
    def text(self) -> str:
        return self["main"][0] if self["main"] else ""

    def link(self, text: str) -> str:
        """The address of the link that reads ``text``."""
        [href] = [href for href, seen, _ in self.links if seen == text]
        return href


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self.open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.page.elements.append((tag, values))
        if tag == "html":
            self.page.lang = values.get("lang", "")
        if tag == "script":
            self.page.scripts += 1
        if tag in _COLLECTED:
            self.open.append((tag, values, []))
        if tag in ("br", "td", "th", "dd", "dt"):
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                name, attrs, parts = self.open.pop(index)
                text = squash("".join(parts))
                self.page.texts.setdefault(name, []).append(text)
                if name == "a":
                    self.page.links.append((attrs.get("href", ""), text, attrs))
                return

    def handle_data(self, data: str) -> None:
        for _, _, parts in self.open:
            parts.append(data)


def read_page(html: str) -> PageText:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page
