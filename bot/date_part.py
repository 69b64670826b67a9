"""The date part of a WHEN: which day, or which recurrence, once the clock time is taken out.

Reads the tokens of `bot.date_words`: relative days ("demain", "μεθαύριο"), weekdays with or
without "next" ("lundi prochain", "am nächsten Dienstag"), recurrences ("every other tuesday",
"le premier lundi du mois", "montags", "los lunes", "ob ponedeljkih"). Dateparser, restricted to
the given languages plus English, reads only what is left: numeric dates, month names, "dans 2
jours". A weekday that contradicts the date, or anything left over that nobody reads, is refused
(`DateProblem`), never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateparser.date import DateData, DateDataParser
from dateutil.rrule import rrulestr

from bot.date_words import UNIT_WORDS, WEEKDAY_CODES, Token

__all__ = ["DateRead", "DateProblem", "read_date", "without_interval", "date_parser"]


@dataclass(frozen=True)
class DateRead:
    """The day (a one-off's, or a recurrence's first candidate) and the RRULE of a recurrence."""

    day: date
    rrule: str | None


@dataclass(frozen=True)
class DateProblem:
    """Why the date part is refused: "date" (unreadable), "past", "weekday" (mismatch), "time"."""

    reason: str
    day: date | None = None
    weekday: int | None = None


# "3.12." / "3.12.2026": dotted numbers left in the date part are dates; dateparser would
# otherwise read "3.12." as 03:12.
_DOTTED_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?\.?(?![\d.])")
# What the date text must determine. Not "time" (a second time, or "in 2 hours"), not a month
# or year without a day ("décembre"), not a year and day without month ("32/13" -> 2032, 13th).
_DATE_PARTS = frozenset({("day",), ("month", "day"), ("year", "month", "day")})
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SKIPPED = frozenset({"FILLER", "AT", "APPROX", "FROM", "DE", "BETWEEN", "ART", "ISH", "TO", "DUR", "AND", "MINAND"})
_TIME_CODES = frozenset({"HOURW", "PRE", "PLUS", "MINUS", "PAST", "BEFORE", "NOON", "MIDNIGHT"})
_AND_WORDS = frozenset({"and", "et", "e", "y", "και", "i", "und", "in"})


def read_date(tokens: list[Token], langs: tuple[str, ...], today: date) -> DateRead | DateProblem:
    """The date part: relative day, weekday, "next", recurrence, or what dateparser reads."""
    bad = DateProblem("date")
    has_every = any(t.code == "EVERY" for t in tokens)
    has_next = any(t.code == "NEXT" for t in tokens)
    habitual = monthly = False
    interval, ordinal, pending, unit, offset = 1, None, None, None, None
    weekdays: list[int] = []
    rest: list[str] = []
    for n, token in enumerate(tokens):
        code, value = token.code, token.arg
        after = tokens[n + 1] if n + 1 < len(tokens) else None
        before = tokens[n - 1] if n else None
        if code == "WDORD":  # Greek τρίτη: "third" before a weekday, else Tuesday
            code, value = ("ORD", token.arg2) if after is not None and after.code in WEEKDAY_CODES else ("WD", token.arg)
        elif token.kind in ("ord", "num") and after is not None and after.code in WEEKDAY_CODES:
            digits = "".join(c for c in token.text if c.isdigit())  # "2nd tuesday", "am 1. Montag"
            if token.kind == "ord" or token.text.endswith("."):
                code, value = "ORD", int(digits) if 1 <= int(digits) <= 4 else 0
        if code == "ORD" and not (after is not None and (after.code in WEEKDAY_CODES or _is_unit(after))):
            rest.append(token.text)  # "1er décembre": a day, not "the first Monday"
        elif code == "ORD":
            if not value or pending is not None or ordinal is not None:
                return bad
            pending = value
        elif code in ("WD", "WDS") and value is not None:
            weekdays.append(value)
            dated = after is not None and (after.kind in ("num", "date", "ord") or after.code == "NUM")
            habitual = habitual or code == "WDS" or (before is not None and before.code == "ART" and not dated)
            ordinal, pending = (pending, None) if pending is not None else (ordinal, None)
        elif code == "UNIT" or (token.text in UNIT_WORDS and (has_every or has_next or pending == 2)):
            if unit is not None:
                return bad
            unit = "DWM"[value or 0] if code == "UNIT" else UNIT_WORDS[token.text]
            if pending == 2:  # "every other week"
                interval, pending = 2, None
        elif before is not None and before.code == "EVERY" and _number(token) is not None:
            interval = _number(token) or 0  # "every 2 weeks", "cada dos martes"
        elif code == "EVERY" or code == "NEXT":
            continue
        elif code == "DAY":
            if offset is not None and offset != value:
                return bad
            offset = value
        elif code == "OFMONTH":
            monthly = True
        elif code in _SKIPPED or (code or "").startswith("PERIOD"):
            if code in ("TO", "DUR", "AND", "MINAND") and not (before and after and before.code in WEEKDAY_CODES
                                                               and after.code in WEEKDAY_CODES):
                rest.append(token.text)  # dateparser may need it ("in 2 days")
            continue
        elif code in _TIME_CODES:
            return DateProblem("time")
        elif code == "BAD":
            return bad
        else:
            rest.append(str(value) if code == "NUM" else token.text)
    if pending is not None:
        return bad
    if unit == "D" and interval > 1 and interval % 7 == 0:  # "alle 14 Tage"
        unit, interval = "W", interval // 7
    if has_every or habitual or (ordinal is not None and (monthly or unit == "M")):
        if rest and not all(r in _AND_WORDS for r in rest):
            return bad
        if offset is not None or has_next:
            return bad
        rule = _recurrence(weekdays, ordinal, unit, interval, monthly, has_every, today)
        return bad if rule is None else DateRead(_first_date(rule, today), rule)
    return _one_off(weekdays, ordinal, unit, offset, has_next, rest, langs, today)


def _recurrence(weekdays: list[int], ordinal: int | None, unit: str | None, interval: int, monthly: bool,
                every: bool, today: date) -> str | None:
    """The RRULE of a recurrence, or None when it is not one we can state for sure."""
    if interval not in (1, 2):
        return None
    step = ";INTERVAL=2" if interval == 2 else ""
    if ordinal is not None:
        if len(weekdays) != 1:
            return None
        if monthly or unit == "M" or (every and ordinal in (1, -1)):
            return None if step else f"FREQ=MONTHLY;BYDAY={ordinal}{_BYDAY[weekdays[0]]}"
        if every and ordinal == 2 and unit in (None, "W") and not step:
            return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_BYDAY[weekdays[0]]}"  # "every second tuesday"
        return None  # "every third tuesday": every three weeks, or the third of the month?
    if monthly:
        return None
    if weekdays:
        days = ",".join(_BYDAY[d] for d in sorted(set(weekdays)))
        return f"FREQ=WEEKLY{step};BYDAY={days}" if unit in (None, "W") else None
    if unit == "D":
        return f"FREQ=DAILY{step}"
    if unit == "W":
        return f"FREQ=WEEKLY{step};BYDAY={_BYDAY[today.weekday()]}"
    if unit == "M":
        return f"FREQ=MONTHLY{step};BYMONTHDAY={today.day}"
    return None


def _one_off(weekdays: list[int], ordinal: int | None, unit: str | None, offset: int | None, has_next: bool,
             rest: list[str], langs: tuple[str, ...], today: date) -> DateRead | DateProblem:
    """The date of a one-off event; a weekday must agree with the date it comes with."""
    bad = DateProblem("date")
    if len(weekdays) > 1 or (unit is not None and not (has_next and unit == "W")):
        return bad
    weekday = weekdays[0] if weekdays else None
    if ordinal is not None:  # "le premier lundi de décembre"
        return _nth_weekday_of(" ".join(rest), ordinal, weekday, langs, today) if weekday is not None else bad
    day = None
    if rest:
        read = _read_rest(" ".join(rest), langs, today, weekday)
        if isinstance(read, DateProblem):
            return read
        day = read
    if offset is not None:
        relative = today + timedelta(days=offset)
        if day is not None and day != relative:
            return bad
        day = relative
    if has_next and weekday is None:
        return bad  # "next week", "lundi" missing
    if unit == "W":  # "Tuesday next week", "mardi de la semaine prochaine"
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        day = day or monday + timedelta(days=weekday or 0)
    if weekday is not None:
        if day is None:
            day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        elif day.weekday() != weekday:
            return DateProblem("weekday", day=day, weekday=weekday)
    day = day or today
    return DateProblem("past", day=day) if day < today else DateRead(day, None)


def _read_rest(text: str, langs: tuple[str, ...], today: date, weekday: int | None) -> date | DateProblem:
    """What dateparser reads in the rest of the text: one full date, or a refusal.

    A day of the month alone is this month's; with a weekday that next month's day has
    ("friday the 4th" on 25 November), it is next month's: the weekday confirms it.
    """
    parsed = _parse_date(_DOTTED_DATE_RE.sub(lambda m: "/".join(g for g in m.groups() if g), text), langs, today)
    data = parsed[0] if parsed else None
    if data is None or data.date_obj is None or data.parts not in _DATE_PARTS:
        return DateProblem("date")
    if data.date_obj.time() != time():
        return DateProblem("date")  # a zone name dateparser applied: it would shift the day
    day = data.date_obj.date()
    if data.parts == ("day",) and day < today and weekday is not None:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        try:
            later = following.replace(day=day.day)
        except ValueError:  # no 31st next month
            return day
        return later  # if its weekday differs too, the question names this coming date
    return day if "year" in data.parts else _nearest_year(day, today)


def _nth_weekday_of(text: str, ordinal: int, weekday: int, langs: tuple[str, ...], today: date) -> DateRead | DateProblem:
    """"first monday of december": in the month named, this year or (if passed) next year."""
    parsed = _parse_date(text, langs, today) if text else None
    if parsed is None or parsed[0].date_obj is None or parsed[0].parts not in (("month",), ("year", "month")):
        return DateProblem("date")
    month = parsed[0].date_obj
    years = [month.year] if "year" in parsed[0].parts else [today.year, today.year + 1]
    for year in years:
        rule = f"FREQ=MONTHLY;COUNT=1;BYDAY={ordinal}{_BYDAY[weekday]}"
        found = rrulestr(rule, dtstart=datetime(year, month.month, 1)).after(datetime(year, month.month, 1), inc=True)
        if found is not None and found.month == month.month and found.date() >= today:
            return DateRead(found.date(), None)
    return DateProblem("past", day=found.date() if found is not None else None)


def _first_date(rule: str, today: date) -> date:
    """The first date on or after today that the rule (its interval aside) allows."""
    start = datetime.combine(today, time())
    found = rrulestr(without_interval(rule), dtstart=start).after(start, inc=True)
    return found.date() if found is not None else today


def without_interval(rule: str) -> str:
    """The rule without INTERVAL: the first occurrence is the next match, not the one after it."""
    return ";".join(p for p in rule.split(";") if not p.startswith("INTERVAL="))


def _is_unit(token: Token) -> bool:
    return token.code == "UNIT" or token.text in UNIT_WORDS


def _number(token: Token) -> int | None:
    if token.kind == "num":
        return int(token.text.rstrip("."))
    return token.arg if token.code == "NUM" else None


def _parse_date(text: str, langs: tuple[str, ...], today: date) -> tuple[DateData, str] | None:
    """Dateparser's reading of a date-only text and the form it read, trying inflections next."""
    parser = date_parser(langs, today)
    for candidate in (text, *_variants(text, langs)):
        data = parser.get_date_data(candidate)
        if data.date_obj is not None:
            return data, candidate
    return None


def _variants(text: str, langs: tuple[str, ...]) -> list[str]:
    """Inflected forms dateparser lacks, rewritten towards forms it knows (tried only on failure).

    - hr/sl genitive months ("12. prosinca" is known; "decembra" is not);
    - sl genitive months, which dateparser lacks, cut to its abbreviations ("decembra" -> "dec").
    """
    words = text.split()
    out = []
    if "hr" in langs or "sl" in langs:
        out.append([w[:-1] + "a" if len(w) >= 4 and w[-1] in "uoe" else w for w in words])
    if "sl" in langs:
        out.append([w[:3] if len(w) >= 4 and w.endswith("a") else w for w in words])
    return [v for v in (" ".join(ws) for ws in out) if v != text]


@lru_cache(maxsize=64)
def date_parser(langs: tuple[str, ...], today: date) -> DateDataParser:
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
