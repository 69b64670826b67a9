"""Natural-language event dates for `/event TITLE | WHEN`, in the user's and the space's language.

The clock time ("18h", "alle 18", "u 18 sati", "6pm") is read here by one small regex, because
dateparser misreads bare hours ("domani alle 18" -> 10:00, "sutra u 18 sati" -> 04:00) and because
it lets the date part be parsed, and cached, against the base *date* alone. Dateparser reads the
date part ("demain", "vendredi", "12/12", "Παρασκευή"), restricted to the given languages plus
English; recurrences ("every", "chaque", "κάθε", "svaki", ...) are a keyword plus either a unit word
or a weekday that dateparser recognises. Wall-clock times are attached with ZoneInfo, never by
adding timedeltas, so a weekly 09:00 stays 09:00 after a DST change.

Importing this module loads no language data; dateparser does that on the first parse of each
language set (tens of ms, see tests/perf/dates.py), which `warm_up` can move to start-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.conf import Settings
from dateparser.data.languages_info import language_order
from dateparser.date import DateData, DateDataParser
from dateparser.languages.loader import default_loader
from dateutil.rrule import rrulestr

__all__ = ["When", "parse_when", "warm_up"]


@dataclass(frozen=True)
class When:
    """A parsed WHEN: the first (or only) start, and an RFC 5545 RRULE for recurring events."""

    start: datetime  # tz-aware, in the space's time zone
    rrule: str | None  # e.g. "FREQ=WEEKLY;BYDAY=FR", None for a one-off event


@dataclass(frozen=True)
class _Plan:
    """What a text means relative to a base date, independent of time zone and time of day.

    Kept separate from `When` so it can be cached per (text, languages, base date): only the
    final "is it still ahead of now" step depends on the exact instant.
    """

    day: date  # the one-off date, or the first candidate date of a recurrence
    hour: int
    minute: int
    rrule: str | None


# Time markers placed before the hour ("at", "à", "alle", "a las", "στις", "u", "um", "ob") and
# suffixes after it ("Uhr", "sati", "uri", "h", am/pm). The text is accent-stripped first.
_MARKER = r"at|@|a\s+las|a\s+la|alle|ore|a|στις|στη|u|um|ob|om"
_SUFFIX = r"uhr|sati|uri|ura|ore|h|a\.m\.|p\.m\.|am|pm"
_TIME_RE = re.compile(
    rf"(?:(?<!\w)(?P<marker>{_MARKER})\s+)?(?<![\w/.:-])(?P<h>\d{{1,2}})"
    rf"(?:(?P<sep>[:h.])(?P<m>\d{{2}}))?(?!\d)\.?(?:\s*(?P<suffix>{_SUFFIX}))?(?!\w)"
)
# "3.12." / "3.12.2026": once the time is removed, dotted numbers are dates; dateparser would
# otherwise read "3.12." as 03:12.
_DOTTED_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?\.?(?![\d.])")
# Articles and prepositions dateparser does not skip ("am Freitag", "el viernes", "v petek").
_LEADING_WORDS = frozenset(
    "on the this le ce il questo el este am an diesen den dem την τη το u ovaj ovu v ta to na".split()
)
_RECURRENCE_RE = re.compile(
    r"^(?:every|each|chaque|tou(?:te)?s\s+les|ogni|tutt[ie]\s+(?:i|le|gli)|cada"
    r"|tod[oa]s\s+(?:los|las)|καθε|svak(?:i|u|e|og|oga)|jede[nrsm]?|vsak(?:o|i|ega)?)\s+(?P<what>.+)$"
)
# Unit words after a recurrence keyword, per frequency (dateparser has no notion of "every").
_UNITS = {
    "DAILY": "day days jour jours giorno giorni dia dias μερα ημερα dan tag",
    "WEEKLY": "week semaine semaines settimana semana semanas εβδομαδα tjedan woche teden",
    "MONTHLY": "month mois mese mes meses μηνα μηνας mjesec monat mesec",
}
_UNIT_FREQ = {word: freq for freq, words in _UNITS.items() for word in words.split()}
# What the date text must determine. Not "time" (a second time, or "in 2 hours"), not a month
# or year without a day ("décembre"), not a year and day without month ("32/13" -> 2032, 13th).
_DATE_PARTS = frozenset({("day",), ("month", "day"), ("year", "month", "day")})
# dateparser translates weekday names of every language into these English words.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_KNOWN_LANGUAGES = frozenset(language_order)  # a plain list; importing it loads no locale data


def parse_when(text: str, languages: Sequence[str], tz: ZoneInfo, now: datetime) -> When | None:
    """Parse an event's WHEN into its start in `tz`, or None if it isn't a usable future time.

    `languages` are the user's and the space's (English is added; dateparser is restricted to
    these, tried in that order). `now` must be tz-aware. Rules that a caller may need to explain:

    - A clock time is required: a date alone ("demain") returns None, since an event needs an
      hour and guessing one (midnight, 09:00) would silently schedule the wrong thing.
    - A start before `now` returns None, even earlier today; the user gets an error, never a
      silently shifted date. A day/month without a year means the nearest such date, so "20/11"
      typed on 25 November is refused as past rather than moved to next year.
    - A bare weekday means the next one after today ("vendredi" typed on a Friday is a week
      later), as dateparser decides; a recurrence starts today if its time is still ahead.
    - Numeric dates are day-first in every language (the network is European); ISO works too.
    - A wall time skipped by a DST change (02:30 on the spring-forward night) moves forward.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    langs = _language_set(languages)
    today = now.astimezone(tz).date()
    plan = _plan(_normalize(text), langs, today)
    if plan is None:
        return None
    wall = datetime.combine(plan.day, time(plan.hour, plan.minute), tzinfo=tz)
    if plan.rrule is not None and wall < now:
        # The first candidate (today, or this weekday) has passed: take the next occurrence.
        # dateutil's rrule steps in wall-clock time with the same tzinfo, so it is DST-safe.
        wall = rrulestr(plan.rrule, dtstart=wall).after(now, inc=True) or wall  # never None
    try:
        start = _resolve_gap(wall, tz)
    except OverflowError:  # 9999-12-31 23:59 west of UTC: no UTC datetime holds it; callers refuse it as too far
        start = wall
    if start < now:
        return None
    return When(start=start, rrule=plan.rrule)


def warm_up(languages: Sequence[str]) -> None:
    """Make dateparser load its data for these languages now (call at start-up, not import).

    The first parse in a process builds dateparser's time-zone regexes and each language's
    dictionaries, which costs far more than later parses; doing it before the first user
    command keeps that command fast.
    """
    base = date(2000, 1, 3)
    for lang in _language_set(languages):
        parser = _date_parser((lang, "en"), base)
        # One text per dateparser path that parse_when uses: relative, weekday, numeric date.
        for sample in ("tomorrow", "friday", "12/12"):
            parser.get_date_data(sample)


def _language_set(languages: Sequence[str]) -> tuple[str, ...]:
    """Primary subtags in the given order, without duplicates, plus English (as the spec asks).

    Codes dateparser does not know are skipped: a chat client's odd locale ("und", "x-klingon")
    must not make /event fail; English still applies.
    """
    result: list[str] = []
    for code in [*languages, "en"]:
        lang = code.strip().lower().replace("_", "-").split("-")[0]
        if lang in _KNOWN_LANGUAGES and lang not in result:
            result.append(lang)
    return tuple(result)


def _normalize(text: str) -> str:
    """Lower-case, accent-stripped, single-spaced text: the cache key and the regexes' input.

    Dateparser itself compares accent-free forms, so "venerdi" and "Παρασκευη" still parse, and
    the keyword/marker lists need only one spelling each. `lower` (not `casefold`) keeps the
    Greek final sigma of "στις".
    """
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def _split_time(text: str) -> tuple[int, int, str] | None:
    """Find the clock time, return (hour, minute, text without it), or None if absent/invalid.

    A bare number counts as an hour only after a marker ("alle 18") or before a suffix
    ("18 Uhr"), so "vendredi 18" (the 18th?) is not guessed at.
    """
    for match in _TIME_RE.finditer(text):
        marker, sep, suffix = match["marker"], match["sep"], match["suffix"]
        if not (marker or suffix or sep in (":", "h")):
            continue
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if suffix in ("am", "pm", "a.m.", "p.m."):
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if suffix.startswith("p") else 0)
        if hour > 23 or minute > 59:
            return None
        return hour, minute, f"{text[: match.start()]} {text[match.end() :]}"
    return None


def _clean_date_text(text: str) -> str:
    """Turn the text left after the time into something dateparser reads."""
    text = _DOTTED_DATE_RE.sub(lambda m: "/".join(g for g in m.groups() if g), text)
    words = text.replace(",", " ").replace(";", " ").strip(" -–@").split()
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=4096)
def _plan(text: str, langs: tuple[str, ...], today: date) -> _Plan | None:
    """Parse normalized text against `today`; cached because dateparser costs ~0.5 ms a call."""
    split = _split_time(text)
    if split is None:
        return None
    hour, minute, rest = split
    rest = _clean_date_text(rest)
    recurrence = _RECURRENCE_RE.match(rest)
    if recurrence:
        return _recurrence_plan(recurrence["what"], langs, today, hour, minute)
    if not rest:
        return _Plan(today, hour, minute, None)
    parsed = _parse_date(rest, langs, today)
    data = parsed[0] if parsed else None
    if data is None or data.date_obj is None or data.parts not in _DATE_PARTS:
        return None
    day = data.date_obj.date()
    if "year" not in data.parts:
        day = _nearest_year(day, today)
    return None if day < today else _Plan(day, hour, minute, None)


def _recurrence_plan(
    what: str, langs: tuple[str, ...], today: date, hour: int, minute: int
) -> _Plan | None:
    """Plan for "<keyword> <unit|weekday>", starting at the first candidate on/after today."""
    freq = _UNIT_FREQ.get(what)
    if freq == "DAILY":
        return _Plan(today, hour, minute, "FREQ=DAILY")
    if freq == "WEEKLY":
        return _Plan(today, hour, minute, f"FREQ=WEEKLY;BYDAY={_BYDAY[today.weekday()]}")
    if freq == "MONTHLY":
        return _Plan(today, hour, minute, f"FREQ=MONTHLY;BYMONTHDAY={today.day}")
    weekday = _weekday(what, langs, today)
    if weekday is None:
        return None
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    return _Plan(first, hour, minute, f"FREQ=WEEKLY;BYDAY={_BYDAY[weekday]}")


def _weekday(text: str, langs: tuple[str, ...], today: date) -> int | None:
    """Weekday index (Monday = 0) if dateparser reads `text` as a weekday name, else None.

    Checking dateparser's English translation keeps "every tomorrow" or "every 12/12" from
    becoming a weekly event on whatever weekday that date happens to fall.
    """
    parsed = _parse_date(text, langs, today, plural=True)
    if parsed is None or parsed[0].locale is None:
        return None
    data, candidate = parsed
    english = default_loader.get_locale(data.locale).translate(candidate, settings=Settings())
    return _WEEKDAYS.index(english.strip()) if english.strip() in _WEEKDAYS else None


def _parse_date(
    text: str, langs: tuple[str, ...], today: date, plural: bool = False
) -> tuple[DateData, str] | None:
    """Dateparser's reading of a date-only text and the form it read, trying inflections next."""
    parser = _date_parser(langs, today)
    for candidate in (text, *_variants(text, langs, plural)):
        data = parser.get_date_data(candidate)
        if data.date_obj is not None:
            return data, candidate
    return None


def _variants(text: str, langs: tuple[str, ...], plural: bool) -> list[str]:
    """Inflected forms dateparser lacks, rewritten towards forms it knows (tried only on failure).

    - after a recurrence keyword, a plural "-s" ("tous les vendredis"); not elsewhere, so that
      German "freitags" (= every Friday) is refused rather than read as one Friday;
    - hr/sl accusative/genitive of feminine days ("u srijedu", "svake srijede", "v sredo");
    - sl genitive months, which dateparser lacks, cut to its abbreviations ("decembra" -> "dec").
    """
    words = text.split()
    out = []
    if plural:
        out.append([w[:-1] if len(w) >= 5 and w.endswith("s") else w for w in words])
    if "hr" in langs or "sl" in langs:
        out.append([w[:-1] + "a" if len(w) >= 4 and w[-1] in "uoe" else w for w in words])
    if "sl" in langs:
        out.append([w[:3] if len(w) >= 4 and w.endswith("a") else w for w in words])
    return [v for v in (" ".join(ws) for ws in out) if v != text]


@lru_cache(maxsize=64)
def _date_parser(langs: tuple[str, ...], today: date) -> DateDataParser:
    """One parser per language set and base date; dateparser keeps its language data globally."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime.combine(today, time()),
        # Naive wall-clock results: the space's zone is attached afterwards with ZoneInfo.
        "TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
        "PREFER_LOCALE_DATE_ORDER": False,
    }
    return DateDataParser(languages=list(langs), use_given_order=True, settings=settings)


def _nearest_year(day: date, today: date) -> date:
    """The same day and month in whichever of last/this/next year is closest to today."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(day.replace(year=year))
        except ValueError:  # 29 February
            continue
    # On a tie (about six months either way) the future date wins.
    candidates.sort(key=lambda d: (abs((d - today).days), d < today))
    return candidates[0] if candidates else day


def _resolve_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The same instant with a real wall time: a time skipped by DST moves forward by the gap."""
    return wall.astimezone(timezone.utc).astimezone(tz)
