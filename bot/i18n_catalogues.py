"""Keep the .po catalogues in step with the code: ``make i18n``.

Each module of ``bot/`` and ``adapters/`` that has translatable strings gets a
domain named after it. New msgids arrive with an empty translation (English is
filled with the source text), removed ones are dropped, translations are kept.
The i18n test runs :func:`missing_translations` and fails on any gap.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.config import LANGUAGES
from bot.i18n import KEYWORDS

# A developer tool: it reads the sources and rewrites the catalogues of a checkout, so it works on
# the checkout's folders (bot.i18n reads the installed package data, which may be elsewhere).
ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
SOURCES = ("bot", "adapters")

Msgid = str | tuple[str, str]


def extracted() -> dict[str, list[Msgid]]:
    """Domain name → msgids (a plural is a (singular, plural) pair), in source order."""
    domains: dict[str, list[Msgid]] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            ids: list[Msgid] = []
            for _line, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                msgid: Msgid = message if isinstance(message, str) else (message[0], message[1])
                if msgid and msgid not in ids:
                    ids.append(msgid)
            if ids:
                domain = path.stem if folder == "bot" else f"{folder}_{path.stem}"
                domains.setdefault(domain, []).extend(i for i in ids if i not in domains.get(domain, []))
    return domains


def _po_path(lang: str, domain: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def update_catalogues(only: set[str] | None = None) -> None:
    """Rewrite the catalogues (of the ``only`` domains) from the code, keeping translations."""
    domains = extracted()
    for lang in LANGUAGES:
        folder = LOCALES_DIR / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.po"):
            if stale.stem not in domains and only is None:
                stale.unlink()
        for domain, ids in domains.items():
            if only is not None and domain not in only:
                continue
            path = _po_path(lang, domain)
            old = _read(path, lang) if path.exists() else Catalog(locale=lang)
            new = Catalog(locale=lang, domain=domain, project="coworkbot", fuzzy=False)
            for msgid in ids:
                key = msgid[0] if isinstance(msgid, tuple) else msgid
                previous = old.get(key)
                string: str | tuple[str, ...] = previous.string if previous else ""
                if lang == "en" and not _filled(string):
                    string = msgid
                if isinstance(msgid, tuple) and not isinstance(string, tuple):
                    string = ("",) * new.num_plurals
                new.add(msgid, string)
            with path.open("wb") as fh:
                write_po(fh, new, width=100, omit_header=False, sort_output=False)


def _filled(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, tuple):
        return bool(string) and all(string)
    return bool(string)


def missing_translations() -> Iterator[str]:
    """``lang/domain: msgid`` for each msgid of the code with no translation."""
    for domain, ids in extracted().items():
        for lang in LANGUAGES:
            path = _po_path(lang, domain)
            catalog = _read(path, lang) if path.exists() else Catalog(locale=lang)
            for msgid in ids:
                key = msgid[0] if isinstance(msgid, tuple) else msgid
                message = catalog.get(key)
                if message is None or message.fuzzy or not _filled(message.string):
                    yield f"{lang}/{domain}: {key!r}"
                elif isinstance(msgid, tuple) and len(message.string) != catalog.num_plurals:
                    yield f"{lang}/{domain}: {key!r} needs {catalog.num_plurals} plural forms"


if __name__ == "__main__":
    import sys

    # ``python -m bot.i18n_catalogues [domain ...]``: refresh only those domains.
    update_catalogues(set(sys.argv[1:]) or None)
    gaps = list(missing_translations())
    print(f"{len(gaps)} untranslated")
    for gap in gaps[:50]:
        print("  ", gap)
