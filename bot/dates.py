"""Natural-language event dates for `/event TITLE | WHEN`, in the user's and the space's language.

The text is tokenized against a small vocabulary of the eight languages (`bot.date_words`), the
clock time is read by `bot.clock` (markers, words, day periods, "halb 4", ranges), and the date
part here: relative days ("demain", "μεθαύριο"), weekdays ("lundi prochain", "am nächsten
Dienstag"), recurrences ("every other tuesday", "le premier lundi du mois", "montags",
"los lunes"). Dateparser, restricted to the given languages plus English, reads only what is
left: numeric dates, month names, "dans 2 jours". Wall-clock times are attached with ZoneInfo,
never by adding timedeltas, so a weekly 09:00 stays 09:00 after a DST change.

Nothing is guessed: a text that could mean two things is refused with the reason (`WhenRefusal`),
so that the bot can ask; "tomorrow at 6" offers 06:00 and 18:00 as `WhenRefusal.choices`.

Importing this module loads no language data; dateparser does that on the first parse of each
language set (tens of ms, see tests/perf/dates.py), which `warm_up` can move to start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.data.languages_info import language_order
from dateutil.rrule import rrulestr

from bot.clock import TimeProblem, TimeRead, read_time
from bot.date_part import DateProblem, date_parser, read_date, without_interval
from bot.date_words import ZONE_OFFSETS, normalize, tokenize, vocabulary

__all__ = ["When", "WhenRefusal", "first_start_at", "parse_when", "read_when", "warm_up"]

# Why a WHEN was refused (`WhenRefusal.reason`); bot.events words each one for the user.
NO_TIME = "no_time"  # a date but no clock time
PAST = "past"
UNREADABLE = "unreadable"  # neither date nor time could be read
DATE_UNREADABLE = "date"
TIME_UNREADABLE = "time"
AMBIGUOUS_HOUR = "hour"  # "at 6": see `choices`
WEEKDAY_MISMATCH = "weekday"  # "jeudi 15" when the 15th is a Friday
MINUTES_OR_DAY = "minutes_or_day"  # "at 3 15"
ZONE = "zone"  # "18:00 EST" for a space in Paris


@dataclass(frozen=True)
class When:
    """A parsed WHEN: the first (or only) start, an RFC 5545 RRULE, and the end of a range."""

    start: datetime  # tz-aware, in the space's time zone
    rrule: str | None  # e.g. "FREQ=WEEKLY;BYDAY=FR", None for a one-off event
    end: datetime | None = None  # of the first occurrence; every occurrence lasts as long


@dataclass(frozen=True)
class WhenRefusal:
    """Why a WHEN is not taken, with what the user needs to hear to fix it."""

    reason: str
    day: date | None = None  # the date read (past, weekday mismatch)
    weekday: int | None = None  # the weekday said (Monday = 0)
    hour: int | None = None  # minutes or day: the hour ...
    number: int | None = None  # ... and the number after it
    text: str = ""  # the zone name
    choices: tuple[When, ...] = ()  # the readings to choose from (AMBIGUOUS_HOUR)


@dataclass(frozen=True)
class _Plan:
    """What a text means relative to a base date, independent of time zone and instant.

    Kept apart from `When` so it can be cached per (text, languages, base date): only the
    final "is it still ahead of now" step depends on the exact instant.
    """

    day: date  # the one-off date, or the first candidate date of a recurrence
    start: int  # minutes after that day's midnight (1440: midnight at its end)
    end: int | None
    ambiguous: bool
    end_follows: bool
    rrule: str | None
    zone: str | None


_KNOWN_LANGUAGES = frozenset(language_order)  # a plain list; importing it loads no locale data


def read_when(text: str, languages: Sequence[str], tz: ZoneInfo, now: datetime) -> When | WhenRefusal:
    """Parse an event's WHEN into its start in `tz`, or say why not (`WhenRefusal`).

    `languages` are the user's and the space's (English is added; the vocabulary and dateparser
    are restricted to these, the first winning a clash). `now` must be tz-aware. Rules:

    - A clock time is required: "demain" is refused (NO_TIME), since guessing an hour would
      silently schedule the wrong thing. A bare hour 1-7 is AMBIGUOUS_HOUR with both readings,
      unless only one of them is still ahead.
    - A start before `now` is PAST, even earlier today. A day/month without a year means the
      nearest such date, so "20/11" typed on 25 November is refused rather than moved a year.
    - A bare weekday (or "next" + weekday) means the next one after today; a recurrence starts
      today if its time is still ahead. A weekday that contradicts the date is refused.
    - Numeric dates are day-first in every language (the network is European); ISO works too.
    - A wall time skipped by a DST change (02:30 on the spring-forward night) moves forward.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    langs = _language_set(languages)
    today = now.astimezone(tz).date()
    plan = _plan(normalize(text), langs, today)
    if isinstance(plan, WhenRefusal):
        return plan
    readings = [(plan.start, plan.end)]
    if plan.ambiguous:
        later_end = plan.end + 720 if plan.end is not None and plan.end_follows else plan.end
        readings.append((plan.start + 720, later_end))
    whens = [w for w in (_when(plan, start, end, tz, now) for start, end in readings) if w is not None]
    if not whens:
        return WhenRefusal(PAST, day=plan.day)
    if plan.zone is not None and not _same_zone(plan.zone, whens[0].start):
        return WhenRefusal(ZONE, text=plan.zone)
    if len(whens) > 1:
        return WhenRefusal(AMBIGUOUS_HOUR, choices=tuple(whens))
    return whens[0]


def parse_when(text: str, languages: Sequence[str], tz: ZoneInfo, now: datetime) -> When | None:
    """`read_when` for callers that only need a yes or no: the When, or None if refused."""
    result = read_when(text, languages, tz, now)
    return result if isinstance(result, When) else None


def first_start_at(start: datetime, rrule: str | None, hour: int, minute: int, tz: ZoneInfo, now: datetime) -> datetime:
    """A start moved to hour:minute: the same day for a one-off, else the rule's next match after now.

    Used when the manager picks one reading of "every wednesday at 6" on a Wednesday morning:
    18:00 is still today, 06:00 only next week.
    """
    if rrule is None:
        wall = start.astimezone(tz).replace(hour=hour, minute=minute)
    else:
        base = datetime.combine(now.astimezone(tz).date(), time(hour, minute), tzinfo=tz)
        wall = rrulestr(without_interval(rrule), dtstart=base).after(now, inc=True) or base
    return _resolve_gap(wall, tz)


def warm_up(languages: Sequence[str]) -> None:
    """Load dateparser's data and build the vocabularies for these languages now (at start-up).

    The first parse in a process builds dateparser's time-zone regexes and each language's
    dictionaries, which costs far more than later parses; doing it before the first user
    command keeps that command fast.
    """
    base = date(2000, 1, 3)
    for lang in _language_set(languages):
        vocabulary((lang, "en"))
        parser = date_parser((lang, "en"), base)
        for sample in ("12/12", "12 december", "in 2 days"):
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


@lru_cache(maxsize=4096)
def _plan(text: str, langs: tuple[str, ...], today: date) -> _Plan | WhenRefusal:
    """Read normalized text against `today`; cached because dateparser costs ~0.5 ms a call."""
    tokens = tokenize(text, langs)
    found = read_time(tokens, langs)
    if isinstance(found, TimeProblem):
        if found.reason == "minutes_or_day":
            return WhenRefusal(MINUTES_OR_DAY, hour=found.hour, number=found.number)
        return WhenRefusal(TIME_UNREADABLE)
    used = found.used if isinstance(found, TimeRead) else frozenset()
    dated = read_date([t for n, t in enumerate(tokens) if n not in used], langs, today)
    if found is None:
        readable = not isinstance(dated, DateProblem) or dated.reason in (PAST, WEEKDAY_MISMATCH)
        return WhenRefusal(NO_TIME) if readable and tokens else WhenRefusal(UNREADABLE)
    if isinstance(dated, DateProblem):
        return WhenRefusal(dated.reason, day=dated.day, weekday=dated.weekday)
    if dated.rrule is not None and found.start >= 24 * 60:
        return WhenRefusal(TIME_UNREADABLE)  # "every friday at midnight": which day is meant is unclear
    return _Plan(dated.day, found.start, found.end, found.ambiguous, found.end_follows, dated.rrule, found.zone)


def _when(plan: _Plan, start: int, end: int | None, tz: ZoneInfo, now: datetime) -> When | None:
    """The reading at `start` minutes of the plan's day as a When, or None if it has passed."""
    if end is not None and end <= start:
        return None
    day = plan.day + timedelta(days=start // (24 * 60))
    wall = datetime.combine(day, time(*divmod(start % (24 * 60), 60)), tzinfo=tz)
    if plan.rrule is not None and wall < now:
        # The first candidate (today, or this weekday) has passed: take the next occurrence.
        # dateutil's rrule steps in wall-clock time with the same tzinfo, so it is DST-safe.
        wall = rrulestr(without_interval(plan.rrule), dtstart=wall).after(now, inc=True) or wall
    try:
        first = _resolve_gap(wall, tz)
    except OverflowError:  # 9999-12-31 23:59 west of UTC: no UTC datetime holds it; callers refuse it as too far
        first = wall
    if first < now:
        return None
    last = None
    if end is not None:
        try:
            last = _resolve_gap(wall + timedelta(minutes=end - start), tz)
        except OverflowError:
            last = None
    return When(start=first, rrule=plan.rrule, end=last)


def _same_zone(name: str, start: datetime) -> bool:
    """Whether a zone written after the time ("CET", "utc+1", "europe/paris") is the space's own."""
    offset = _zone_offset(name)
    if offset is None:
        try:
            other = ZoneInfo("/".join(part.title() for part in name.split("/")))
        except (ValueError, KeyError, OSError):
            return False
        said = start.astimezone(other).utcoffset()
        return said == start.utcoffset()
    own = start.utcoffset()
    return own is not None and own == timedelta(minutes=offset)


def _zone_offset(name: str) -> int | None:
    """Minutes east of UTC of an abbreviation or "utc+1"; None for a name to look up (IANA)."""
    if name in ZONE_OFFSETS:
        return ZONE_OFFSETS[name]
    if name[:3] in ("utc", "gmt") and len(name) > 3:
        sign = -1 if name[3] == "-" else 1
        digits = name[4:].replace(":", "")
        hours, minutes = (digits[:-2] or "0", digits[-2:]) if len(digits) > 2 else (digits, "0")
        return sign * (int(hours) * 60 + int(minutes))
    return None


def _resolve_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The same instant with a real wall time: a time skipped by DST moves forward by the gap."""
    return wall.astimezone(timezone.utc).astimezone(tz)
