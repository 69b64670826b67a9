"""Keep the catalogues in step with the code: ``make i18n`` (Babel's extract → update workflow).

Each module of ``bot/`` and ``adapters/`` that has translatable strings is a
gettext domain named after it, so that work on one capability touches its own
files. ``make i18n`` extracts each domain's template (``locales/templates/
<domain>.pot``, with source references, contexts and translator comments) and
updates every language's ``.po`` from it with Babel's fuzzy matching: a msgid
whose English changed keeps its old translation marked fuzzy (with the previous
msgid), for a translator to check, instead of losing it. English is the source
language: its catalogue is filled with the msgids. The i18n test runs
:func:`missing_translations` and fails on any fuzzy or untranslated entry.

``python -m bot.i18n_catalogues DOMAIN ...`` refreshes only those domains.
"""
from __future__ import annotations

import copy
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
TEMPLATES_DIR = LOCALES_DIR / "templates"
SOURCES = ("bot", "adapters")
#: ``# i18n: …`` comments above a string reach translators as extracted comments.
COMMENT_TAGS = ("i18n:",)
WIDTH = 100

Msgid = str | tuple[str, str]


def templates() -> dict[str, Catalog]:
    """Domain name → its template: every message with source references, context and comments."""
    domains: dict[str, Catalog] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            domain = path.stem if folder == "bot" else f"{folder}_{path.stem}"
            relative = path.relative_to(ROOT).as_posix()
            for line, message, comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True
            ):
                if not message or not (message if isinstance(message, str) else message[0]):
                    continue
                template = domains.setdefault(domain, Catalog(domain=domain, project="coworkbot", fuzzy=False))
                msgid = message if isinstance(message, str) else (message[0], message[1])
                template.add(msgid, None, [(relative, line)], auto_comments=comments, context=context)
    return domains


def extracted() -> dict[str, list[Msgid]]:
    """Domain name → msgids (a plural is a (singular, plural) pair), in source order."""
    return {domain: [m.id for m in template if m.id] for domain, template in templates().items()}


def _po_path(lang: str, domain: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=WIDTH, sort_output=False, ignore_obsolete=True, include_previous=True)


def update_catalogues(only: set[str] | None = None) -> None:
    """Write the templates, then update every language's catalogue from them (fuzzy matching on)."""
    domains = templates()
    for domain, template in domains.items():
        if only is None or domain in only:
            _write(TEMPLATES_DIR / f"{domain}.pot", template)
    for lang in LANGUAGES:
        folder = LOCALES_DIR / lang / "LC_MESSAGES"
        if only is None:  # a module that no longer has strings: its catalogues go
            for stale in [*folder.glob("*.po"), *TEMPLATES_DIR.glob("*.pot")]:
                if stale.stem not in domains:
                    stale.unlink()
        for domain, template in domains.items():
            if only is not None and domain not in only:
                continue
            path = _po_path(lang, domain)
            catalog = _read(path, lang) if path.exists() else Catalog(locale=lang, domain=domain,
                                                                      project="coworkbot", fuzzy=False)
            # A copy per language: Catalog.update takes the template's messages in by reference.
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=False, update_creation_date=False)
            if lang == "en":  # the source language: its translation is the msgid itself
                for message in catalog:
                    if message.id:
                        message.string = message.id
                        message.flags.discard("fuzzy")
                        message.previous_id = []
            _write(path, catalog)


def _filled(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)


def missing_translations() -> Iterator[str]:
    """``lang/domain: msgid`` for each message of the code that is missing, untranslated or fuzzy."""
    for domain, template in templates().items():
        for lang in LANGUAGES:
            path = _po_path(lang, domain)
            catalog = _read(path, lang) if path.exists() else Catalog(locale=lang)
            for wanted in template:
                if not wanted.id:
                    continue
                key = wanted.id[0] if isinstance(wanted.id, (tuple, list)) else wanted.id
                message = catalog.get(wanted.id, context=wanted.context)
                shown = f"{wanted.context}|{key}" if wanted.context else key
                if message is None or not _filled(message.string):
                    yield f"{lang}/{domain}: {shown!r} is not translated"
                elif message.fuzzy:
                    yield f"{lang}/{domain}: {shown!r} is fuzzy (the English changed: check the translation)"
                elif isinstance(wanted.id, (tuple, list)) and len(message.string) != catalog.num_plurals:
                    yield f"{lang}/{domain}: {shown!r} needs {catalog.num_plurals} plural forms"


if __name__ == "__main__":
    import sys

    update_catalogues(set(sys.argv[1:]) or None)
    gaps = list(missing_translations())
    print(f"{len(gaps)} untranslated or fuzzy")
    for gap in gaps[:50]:
        print("  ", gap)
