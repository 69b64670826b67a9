"""Translations and locale-aware formatting.

Catalogues live in ``locales/<lang>/LC_MESSAGES/<domain>.po``, one domain per
core module, so that work on one capability touches its own files. At first use
a language's domains are merged and compiled in memory (Babel ``write_mo``) into
a standard :class:`gettext.GNUTranslations`: real gettext lookups and the CLDR
plural rule Babel writes into each catalogue's header, with no build step.

Every formatted message is :class:`markupsafe.Markup`: the translation is
trusted HTML, every argument is escaped unless it is Markup itself. That is
what makes "escape every piece of user text" the default rather than a habit.
"""
from __future__ import annotations

import gettext
import io
from datetime import datetime, tzinfo
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from markupsafe import Markup

from bot.config import LANGUAGES

#: The ``locales`` package's data: found where the package is installed (a wheel carries it),
#: so a plain ``pip install`` works from any folder.
LOCALES_DIR: Traversable = files("locales")
#: Keywords that mark translatable strings for extraction (see bot.i18n_catalogues).
KEYWORDS = {"t": None, "tn": (1, 2), "pt": ((1, "c"), 2), "N_": None, "UserError": None, "Refusal": None}


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it yet (command help, tables)."""
    return msgid


@lru_cache(maxsize=None)
def _gettext(lang: str) -> gettext.NullTranslations:
    """Merge and compile all domains of ``lang``; English falls back to the msgids."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang)
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po_files = [p for p in folder.iterdir() if p.name.endswith(".po")] if folder.is_dir() else []
    for po_path in sorted(po_files, key=lambda p: p.name):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Translations and formats for one reader's language."""

    def __init__(self, lang: str, prefix: str = "/") -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        #: The reader's command prefix, available to every message as ``{p}``
        #: ("send {p}help"), because Matrix users type ``!help``.
        self.prefix = prefix
        self._catalog = _gettext(self.lang)

    def t(self, msgid: str, **kwargs: Any) -> Markup:
        """Translate and format; keyword arguments are HTML-escaped."""
        return Markup(self._catalog.gettext(msgid)).format(p=self.prefix, **kwargs)

    def pt(self, context: str, msgid: str, **kwargs: Any) -> Markup:
        """Translate a short string whose meaning depends on where it stands (gettext's msgctxt):
        ``pt("button", "off")`` ("turn off") is not ``pt("state", "off")``."""
        return Markup(self._catalog.pgettext(context, msgid)).format(p=self.prefix, **kwargs)

    def tn(self, singular: str, plural: str, n: int, **kwargs: Any) -> Markup:
        """Translate with the language's plural rule; ``n`` is also available as ``{n}``."""
        text = self._catalog.ngettext(singular, plural, n)
        return Markup(text).format(n=n, p=self.prefix, **kwargs)

    def datetime(self, value: datetime, tz: tzinfo, fmt: str = "full") -> str:
        """A date and time in full (``full``/``long``/``medium``/``short``) in ``tz``."""
        from babel.dates import format_date, format_time

        local = value.astimezone(tz)
        date_part = format_date(local.date(), format=fmt, locale=_format_locale(self.lang))
        time_part = format_time(local, format="short", locale=_format_locale(self.lang), tzinfo=tz)
        return f"{date_part}, {time_part}"

    def time(self, value: datetime, tz: tzinfo) -> str:
        """A local clock time, e.g. ``18:00``."""
        local = value.astimezone(tz)
        return _clock_time(self.lang, local.hour, local.minute)

    def date(self, value: datetime, tz: tzinfo, fmt: str = "medium") -> str:
        """A local date."""
        from babel.dates import format_date

        return format_date(value.astimezone(tz).date(), format=fmt, locale=_format_locale(self.lang))

    def country(self, code: str) -> str:
        """A country's name in this language (``FR`` → ``Frankreich`` in German)."""
        return _locale(self.lang).territories.get(code.upper(), code.upper())

    def language_name(self, code: str) -> str:
        """A language's own name (``el`` → ``Ελληνικά``), for language pickers."""
        return _locale(code).get_display_name(code) or code


@lru_cache(maxsize=8 * 24 * 60)
def _clock_time(lang: str, hour: int, minute: int) -> str:
    """A clock time in ``lang`` (only hour and minute show, so 11,520 values cover every case)."""
    from datetime import time as clock

    from babel.dates import format_time

    return format_time(clock(hour, minute), format="short", locale=_format_locale(lang))


@lru_cache(maxsize=None)
def _locale(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(lang)


#: The locale that formats dates and times, where it differs from the language's own:
#: English readers of this European network get European English (24-hour ``18:00``,
#: ``26 November 2026``), not US formats.
_FORMAT_LOCALES = {"en": "en_150"}


def _format_locale(lang: str) -> Any:
    """The Babel locale for dates and times in ``lang``."""
    return _locale(_FORMAT_LOCALES.get(lang, lang))


@lru_cache(maxsize=None)
def translator(lang: str, prefix: str = "/") -> Translator:
    """The shared translator of a language (and command prefix)."""
    return Translator(lang, prefix)


def is_valid_country(code: str) -> bool:
    """Two-letter ISO 3166 country codes that CLDR knows."""
    return len(code) == 2 and code.isalpha() and code.upper() in _locale("en").territories


#: The language of a space created without one, by its country (elsewhere: the network default).
#: Switzerland speaks German by majority; Belgium (Dutch or French) is left to the default.
COUNTRY_LANGUAGES = {
    "HR": "hr", "SI": "sl", "GR": "el", "CY": "el", "IT": "it", "SM": "it", "VA": "it", "ES": "es",
    "FR": "fr", "MC": "fr", "LU": "fr", "DE": "de", "AT": "de", "LI": "de", "CH": "de",
    **dict.fromkeys("MX AR CO CL PE VE EC GT CU BO DO HN PY SV NI CR PA UY".split(), "es"),
}


def country_language(country: str, default: str) -> str:
    """The language a space in ``country`` speaks when nobody said (``HR`` → ``hr``)."""
    return COUNTRY_LANGUAGES.get(country.upper(), default)
