"""Opening hours in the OpenStreetMap ``opening_hours`` syntax, the part a coworking space needs.

``Mo-Fr 08:00-19:00, Sa 09:00-13:00``, ``Mo,We 09:00-12:00,14:00-18:00; Su off``, ``24/7``:
day ranges and lists, several time ranges a day, ``off``. Rules apply left to right and a
later rule replaces the days it names (``Mo-Fr 08:00-19:00; We off``), as in OSM; days no
rule names are closed. Day names may also be written in the bot's languages (``pon-pet``,
``lun.-ven.``, ``Di``), times as ``8``, ``8h30`` or ``8.30``. The bot stores and shows the
canonical OSM text. Not read: months, weeks, holidays (``PH``), times past midnight.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from bot.config import LANGUAGES
from bot.context import UserError
from bot.i18n import Translator
from bot.pages import fold

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
EXAMPLE = "Mo-Fr 08:00-19:00, Sa 09:00-13:00"
TEXT_MAX = 200
DAY_MINUTES = 24 * 60
#: Seven days, Monday first, each a sorted tuple of (opening, closing) minutes; () is closed.
Week = tuple[tuple[tuple[int, int], ...], ...]
CLOSED_WORDS = frozenset(fold(w) for w in
                         "off closed fermé chiuso cerrado geschlossen zatvoreno zaprto κλειστό".split())
_TOKEN = re.compile(r"\s*(?:(?P<always>24/7)|(?P<time>\d{1,2}(?:[:.h]\d{2}|h)?)|(?P<word>[^\W\d_]+\.?)"
                    r"|(?P<dash>[-–—])|(?P<comma>,)|(?P<semicolon>;))")
_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?h?")
_OSM_WORDS = {fold(day): number for number, day in enumerate(OSM_DAYS)}


@lru_cache(maxsize=None)
def _day_words(lang: str) -> dict[str, int]:
    """Folded day names of one language (wide, abbreviated, short) → weekday (Monday 0)."""
    from babel.dates import get_day_names

    words: dict[str, int] = {}
    for width in ("wide", "abbreviated", "short"):
        for context in ("format", "stand-alone"):
            for day, name in get_day_names(width, context, locale=lang).items():
                words.setdefault(fold(name).rstrip("."), day)
    return words


@lru_cache(maxsize=None)
def _shared_day_words() -> dict[str, int]:
    """Day names that mean the same day in every language that has them ("di" is not: Dienstag, dimanche)."""
    seen: dict[str, set[int]] = {}
    for lang in LANGUAGES:
        for word, day in _day_words(lang).items():
            seen.setdefault(word, set()).add(day)
    return {word: days.pop() for word, days in seen.items() if len(days) == 1}


def _weekday(word: str, lang: str) -> int | None:
    """A written day: OSM's two letters first, then the reader's language, then any unambiguous one."""
    key = fold(word).rstrip(".")
    for table in (_OSM_WORDS, _day_words(lang), _shared_day_words()):
        if key in table:
            return table[key]
    return None


def _unreadable(text: str) -> UserError:
    return UserError("I could not read “{text}” as opening hours. Write them like {example}: days Mo Tu We Th "
                     "Fr Sa Su, times 08:00-19:00, “off” for a closed day.", text=text, example=EXAMPLE)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise _unreadable(text[position:].strip()[:40])
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _minutes(text: str, *, end: bool) -> int:
    match = _TIME.fullmatch(text)
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (99, 0)
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        raise UserError("“{time}” is not a time of day. Write opening hours like {example}.", time=text,
                        example=EXAMPLE)
    return hour * 60 + minute


class _Reader:
    """Reads the tokens of one text, rule by rule (a rule: days, then times or "off")."""

    def __init__(self, text: str, lang: str) -> None:
        self.text, self.lang = text, lang
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str) -> str:
        found, value = self.peek()
        if found != kind:
            raise _unreadable(value or self.text)
        self.at += 1
        return value

    def day(self) -> int:
        word = self.take("word")
        day = _weekday(word, self.lang)
        if day is None:
            raise UserError("I don't know the day “{word}”. Write opening hours like {example}: days Mo Tu We "
                            "Th Fr Sa Su.", word=word, example=EXAMPLE)
        return day

    def days(self) -> list[int]:
        """``Mo-Fr``, ``Mo,We,Fr``, ``Fr-Mo`` (across the week end); every day when the rule starts with a time."""
        kind, value = self.peek()
        if kind != "word" or fold(value) in CLOSED_WORDS:
            return list(range(7))
        days: list[int] = []
        while True:
            first = self.day()
            if self.peek()[0] == "dash":
                self.at += 1
                last = self.day()
                days += [(first + step) % 7 for step in range((last - first) % 7 + 1)]
            else:
                days.append(first)
            if self.peek()[0] == "comma" and self.peek(1)[0] == "word" and fold(self.peek(1)[1]) not in CLOSED_WORDS:
                self.at += 1
                continue
            return days

    def ranges(self) -> tuple[tuple[int, int], ...]:
        """``08:00-12:00,14:00-18:00``, ``off`` or ``24/7``, overlapping ranges merged."""
        kind, value = self.peek()
        if kind == "word" and fold(value) in CLOSED_WORDS:
            self.at += 1
            return ()
        if kind == "always":
            self.at += 1
            return ((0, DAY_MINUTES),)
        found = []
        while True:
            start_text = self.take("time")
            self.take("dash")
            end_text = self.take("time")
            start, end = _minutes(start_text, end=False), _minutes(end_text, end=True)
            if end <= start:
                written = f"{start_text}-{end_text}"
                raise UserError("“{range}” ends before it starts. Write opening hours like {example} (times past "
                                "midnight are not supported).", range=written, example=EXAMPLE)
            found.append((start, end))
            if not (self.peek()[0] == "comma" and self.peek(1)[0] == "time"):
                break
            self.at += 1
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)


def parse_hours(text: str, lang: str = "en") -> Week:
    """The week ``text`` describes, or a UserError that shows the expected form.

    ``lang`` decides day names that differ between languages (German ``Di`` is Tuesday).
    """
    text = " ".join(text.split())
    if len(text) > TEXT_MAX:
        raise UserError("Opening hours are limited to {limit} characters.", limit=TEXT_MAX)
    reader = _Reader(text, lang)
    if not reader.tokens:
        raise _unreadable(text)
    week: list[tuple[tuple[int, int], ...]] = [()] * 7
    while True:
        days = reader.days()
        ranges = reader.ranges()
        for day in days:
            week[day] = ranges
        kind, value = reader.peek()
        if kind == "end":
            return tuple(week)
        if kind not in ("comma", "semicolon"):
            raise _unreadable(value)
        reader.at += 1
        if reader.peek()[0] == "end":  # a trailing separator
            return tuple(week)


@lru_cache(maxsize=1024)
def stored_hours(text: str) -> Week | None:
    """The week of a space's stored hours; None when none are set.

    The bot stores only canonical text, so this reads; a row edited by hand into nonsense
    counts as "no hours" rather than breaking every check-in at that space.
    """
    try:
        return parse_hours(text) if text else None
    except UserError:
        return None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_runs(days: list[int], names: tuple[str, ...], dash: str = "-", comma: str = ",") -> str:
    """[0, 1, 2, 4] → ``Mo-We,Fr``."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return comma.join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}{dash}{names[r[-1]]}" for r in runs)


def _groups(week: Week) -> list[tuple[list[int], tuple[tuple[int, int], ...]]]:
    """Days with the same hours, in the order of their first day; closed days left out."""
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day, ranges in enumerate(week):
        if ranges:
            groups.setdefault(ranges, []).append(day)
    return [(days, ranges) for ranges, days in groups.items()]


def osm_text(week: Week) -> str:
    """The canonical OSM text: ``Mo-Fr 08:00-19:00; Sa 09:00-13:00``, ``24/7`` or ``off``."""
    if all(ranges == ((0, DAY_MINUTES),) for ranges in week):
        return "24/7"
    rules = [f"{_day_runs(days, OSM_DAYS)} {','.join(f'{_clock(a)}-{_clock(b)}' for a, b in ranges)}"
             for days, ranges in _groups(week)]
    return "; ".join(rules) or "off"


def describe_hours(week: Week, tr: Translator) -> str:
    """The hours for a reader: ``Mon–Fri 8:00 AM–7:00 PM; Sat …`` or ``pon – pet 08:00–19:00; …``."""
    from babel.dates import get_day_names

    if osm_text(week) == "24/7":
        return str(tr.t("open around the clock"))
    names = tuple(get_day_names("abbreviated", "stand-alone", locale=tr.lang)[day] for day in range(7))
    midnight = datetime.combine(date(2000, 1, 3), time(0), tzinfo=timezone.utc)

    def clock(minutes: int) -> str:
        return tr.time(midnight + timedelta(minutes=minutes), timezone.utc)

    rules = [f"{_day_runs(days, names, '–', ', ')} {', '.join(f'{clock(a)}–{clock(b)}' for a, b in ranges)}"
             for days, ranges in _groups(week)]
    return "; ".join(rules) or str(tr.t("closed every day"))


def is_open(week: Week, local: datetime) -> bool:
    """Whether the space is open at ``local`` (a time in its own zone)."""
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in week[local.weekday()])


def closing_on(week: Week, local: datetime) -> datetime | None:
    """The last closing of ``local``'s day, in its zone; None on a closed day."""
    ranges = week[local.weekday()]
    if not ranges:
        return None
    end = ranges[-1][1]
    if end == DAY_MINUTES:
        return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    return datetime.combine(local.date(), time(end // 60, end % 60), tzinfo=local.tzinfo)
