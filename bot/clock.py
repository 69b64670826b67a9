"""The clock time of a WHEN text: "18h", "alle 6 di sera", "halb 4", "de 18h à 20h", "noon".

Works on the tokens of `bot.date_words`, so every language goes through the same few rules:

- A number is an hour only with evidence: a marker before it ("at", "à", "alle", "στις", "u",
  "um", "ob"), an hour word or a day period after it ("18 Uhr", "6 de la tarde"), a clock form
  ("18:30", "18h30"), or the other end of a range ("18-20h"). "vendredi 18" has no time.
- A day period ("p.m.", "μ.μ.", "du soir", "popodne", "abends", "tonight") turns the said hour
  into a 24-hour one, or is refused when they disagree ("18h du matin").
- A bare hour 1-7 without a period is *ambiguous*: the caller asks "06:00 or 18:00?". 8-12 are
  read as said (morning, noon); 0, 13-23 and a leading zero ("06:00") are 24-hour times.
- Prefixes count back from the hour, as people say it: "halb 4" and "pola 4" are 3:30,
  "viertel vor 4" is 3:45, "quarter past 3" is 3:15.
- Digits after an hour that could be minutes or a day ("at 3 15") are a question, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.date_words import DURATION_WORDS, ZONE_OFFSETS, Token

__all__ = ["TimeRead", "TimeProblem", "read_time"]

MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class TimeRead:
    """The time found: minutes after the day's midnight (1440 and more: the next day)."""

    start: int
    end: int | None
    ambiguous: bool  # a bare 1-7: `start` is the morning reading, 12 hours later the other
    end_follows: bool  # whether the end moves with the start to the evening reading
    used: frozenset[int]  # indexes of the tokens that made the time (and a zone name)
    zone: str | None = None  # a zone name written after the time ("18:00 CET")


@dataclass(frozen=True)
class TimeProblem:
    """Why the time cannot be taken: "time" (unreadable), "minutes_or_day"."""

    reason: str
    hour: int | None = None
    number: int | None = None


@dataclass
class _Clock:
    hour: int  # as said (before a day period)
    offset: int = 0  # minutes added to the hour (negative for "halb", "moins le quart")
    first: int = 0
    stop: int = 0
    marker: str | None = None
    evidence: bool = False
    fixed: bool = False  # 24-hour form: no morning/evening question
    period: str | None = None
    midnight: bool = False
    noon_word: bool = False  # "midi" alone: a period when another time is given
    minutes_said: bool = False
    hour_word: bool = False
    compact: bool = False  # "630pm": needs am/pm
    used: set[int] = field(default_factory=set)


_MARKERS = {"AT": True, "APPROX": True, "FROM": True, "BETWEEN": False, "DE": False}  # code -> evidence alone
_PERIOD_CODES = {f"PERIOD:{p}": p for p in ("AM", "PM", "MORNING", "AFTERNOON", "EVENING", "NIGHT")}


def read_time(tokens: list[Token], langs: tuple[str, ...]) -> TimeRead | TimeProblem | None:
    """The one time (or range) of the text, a problem, or None when no time is given."""
    clocks: list[tuple[_Clock, _Clock | None]] = []
    i = 0
    while i < len(tokens):
        clock = _read_clock(tokens, i, langs)
        if clock is None:
            i += 1
            continue
        end = _range_end(tokens, clock, langs)
        if end is None and not clock.evidence:
            i += 1
            continue
        clocks.append((clock, end))
        i = (end or clock).stop
    others = [c for c in clocks if not (c[0].noon_word and c[1] is None)]
    noon_period = 0 < len(others) < len(clocks)  # "το μεσημέρι στις 2": the noon word is a period
    if noon_period:
        clocks = others
    if not clocks:
        return None
    if len(clocks) > 1:
        return TimeProblem("time")
    start, end = clocks[0]
    used = set(start.used) | (end.used if end else set())
    periods = {_PERIOD_CODES[t.code] for n, t in enumerate(tokens) if n not in used and t.code in _PERIOD_CODES}
    if noon_period:
        periods.add("NOON")
    if len(periods) > 1:
        return TimeProblem("time")
    general = periods.pop() if periods else None
    if end is None and start.period is None and not start.minutes_said and not (start.noon_word or start.midnight):
        # "at 3 15", "alle 3 20": minutes or the day? Not when a month name follows ("at 9 12 december").
        follower = tokens[start.stop] if start.stop < len(tokens) else None
        then = tokens[start.stop + 1] if start.stop + 1 < len(tokens) else None
        month_next = then is not None and then.kind == "word" and then.code is None
        if follower is not None and follower.kind == "num" and not follower.text.endswith(".") and not month_next:
            if int(follower.text) <= 59:
                return TimeProblem("minutes_or_day", hour=start.hour, number=int(follower.text))
    zone = _zone_after(tokens, (end or start).stop)
    if zone is not None:
        used.add(zone)
    used |= {n for n, t in enumerate(tokens) if t.code in _PERIOD_CODES or (noon_period and t.code == "NOON")}
    result = _resolve(start, end, general)
    if result is None:
        return TimeProblem("time")
    first, last, ambiguous, follows = result
    return TimeRead(first, last, ambiguous, follows, frozenset(used), tokens[zone].text if zone is not None else None)


def _number(token: Token) -> int | None:
    if token.kind == "num":
        return int(token.text.rstrip("."))
    if token.code == "NUM" and token.arg is not None:
        return token.arg
    return None


def _leading_zero(token: Token) -> bool:
    return token.kind in ("num", "clock", "dot") and len(token.text) >= 2 and token.text[0] == "0" and token.text[1].isdigit()


def _read_clock(tokens: list[Token], i: int, langs: tuple[str, ...]) -> _Clock | None:
    """A clock starting at `i` (markers included), or None; evidence is judged by the caller."""
    n = len(tokens)
    j, marker = i, None
    while j < n and tokens[j].code in _MARKERS:
        marker = marker or tokens[j].code
        j += 1
    if j + 1 < n and tokens[j].code == "HOURW" and _number(tokens[j + 1]) is not None and (j == i or marker):
        marker, j = marker or "AT", j + 1  # Italian "ore 18", "h 18"
    if j >= n:
        return None
    clock = _core(tokens, j, opens_range=marker in ("FROM", "BETWEEN", "DE"))
    if clock is None:
        return None
    clock.first, clock.marker = i, marker
    clock.evidence = clock.evidence or bool(marker and _MARKERS[marker])
    if j > 0 and tokens[j - 1].text in DURATION_WORDS and clock.marker is None:
        return None  # "dans 2 heures", "za 2 sata": a duration
    _tail(tokens, clock, langs)
    if clock.compact and clock.period not in ("AM", "PM"):
        return None
    clock.used |= set(range(clock.first, clock.stop))
    return clock


def _core(tokens: list[Token], j: int, opens_range: bool = False) -> _Clock | None:
    n, token = len(tokens), tokens[j]
    if token.code == "PRE" and j + 1 < n:
        hour = _number(tokens[j + 1])
        if hour is None and tokens[j + 1].code == "NOON":
            hour = 12
        if hour is None:
            return None
        return _Clock(hour, offset=token.arg or 0, stop=j + 2, evidence=True, minutes_said=True)
    if token.kind == "clock" or (token.kind in ("dot", "date") and _dotted_time(token)):
        hour, minute = (int(x) for x in token.text.rstrip(".").replace("h", ":").replace(".", ":").split(":"))
        # "3.12" is a date unless said as a time ("um 3.12", "3.12 Uhr"): evidence then comes in _tail
        evidence = token.kind == "clock" or not 1 <= minute <= 12
        return _Clock(hour, offset=minute, stop=j + 1, evidence=evidence, minutes_said=True,
                      fixed=hour >= 13 or hour == 0 or _leading_zero(token))
    value = _number(token)
    if value is not None:
        if j + 2 < n and tokens[j + 1].code in ("PAST", "BEFORE", "TO") and value in (5, 10, 20, 25):
            hour = _number(tokens[j + 2])
            # "ten to eight" is 7:50, but "from ten to eight" is a range; "10 to 8" in digits too
            if hour is not None and (tokens[j + 1].code != "TO" or (token.code == "NUM" and not opens_range)):
                offset = value if tokens[j + 1].code == "PAST" else -value
                return _Clock(hour, offset=offset, stop=j + 3, evidence=True, minutes_said=True)
        if token.kind == "num" and len(token.text.rstrip(".")) in (3, 4):  # "630pm", "1030am"
            return _Clock(value // 100, offset=value % 100, stop=j + 1, compact=True, minutes_said=True)
        if token.kind == "num" and len(token.text.rstrip(".")) > 2:
            return None
        return _Clock(value, stop=j + 1, fixed=value >= 13 or value == 0 or _leading_zero(token))
    if token.code == "NOON":
        return _Clock(12, stop=j + 1, evidence=True, fixed=True, noon_word=True)
    if token.code == "MIDNIGHT":
        return _Clock(0, stop=j + 1, evidence=True, fixed=True, midnight=True)
    return None


def _dotted_time(token: Token) -> bool:
    """"18.30", "15.00" and "18.30." are times; "3.12." with a trailing dot or a year is a date."""
    parts = token.text.rstrip(".").split(".")
    if len(parts) != 2 or len(parts[1]) != 2:
        return False
    hour, minute = int(parts[0]), int(parts[1])
    if token.kind == "date" and 1 <= minute <= 12:
        return False
    return hour <= 23 and minute <= 59


def _tail(tokens: list[Token], clock: _Clock, langs: tuple[str, ...]) -> None:
    """What follows the hour: hour word, minutes, quarter/half, am/pm, a day period."""
    n, k = len(tokens), clock.stop
    while k < n:
        token = tokens[k]
        following = tokens[k + 1] if k + 1 < n else None
        number = _number(following) if following is not None else None
        if token.code == "HOURW" and not clock.hour_word:
            clock.hour_word = clock.evidence = True
            k += 1
            if not clock.minutes_said and following is not None and number is not None and 10 <= number <= 59:
                if following.code == "NUM" or (following.kind == "num" and len(following.text) == 2):
                    clock.offset, clock.minutes_said = clock.offset + number, True
                    k += 1
            continue
        if token.code == "PLUS" and not clock.minutes_said:
            clock.offset, clock.minutes_said, clock.evidence = clock.offset + (token.arg or 0), True, True
        elif token.code == "MINUS" and not clock.minutes_said and number is not None and 1 <= number <= 30:
            clock.offset, clock.minutes_said, clock.evidence = clock.offset - number, True, True
            k += 1
        elif (token.code == "MINAND" and not clock.minutes_said and clock.marker != "BETWEEN"
              and number is not None and 1 <= number <= 59 and clock.evidence):
            clock.offset, clock.minutes_said = clock.offset + number, True
            k += 1
        elif token.code == "ISH":
            clock.evidence = True
        elif token.code in _PERIOD_CODES and clock.period is None and not clock.noon_word and not clock.midnight:
            clock.period, clock.evidence = _PERIOD_CODES[token.code], True
        elif token.kind == "word" and token.text in ("am", "pm") and clock.period is None and not clock.noon_word:
            if (token.text == "am" and "de" in langs and following is not None and following.code != "DAY"
                    and following.kind in ("word", "num", "date", "ord")):
                break  # German "um 8 am Freitag", "um 6 am nächsten Dienstag": "am" is "on the"
            clock.period, clock.evidence = token.text.upper(), True
        elif token.code == "NOON" and clock.period is None and not clock.noon_word and not clock.midnight:
            clock.period, clock.evidence = "NOON", True  # "12 midi", "2 το μεσημέρι", "1 Uhr mittags"
        elif token.code == "MIDNIGHT" and clock.hour == 12 and not clock.midnight:
            clock.midnight, clock.fixed, clock.evidence = True, True, True
        else:
            break
        k += 1
    if not clock.evidence and clock.minutes_said and clock.marker and _MARKERS[clock.marker]:
        clock.evidence = True
    clock.stop = k


def _range_end(tokens: list[Token], start: _Clock, langs: tuple[str, ...]) -> _Clock | None:
    """The end of "18h-20h", "de 18h à 20h", "von 18 bis 20 Uhr", "between 6 and 8pm"."""
    k = start.stop
    if k >= len(tokens):
        return None
    link = tokens[k]
    joins = link.code in ("TO", "AT", "APPROX") or link.text == "-"
    joins = joins or (link.code in ("AND", "MINAND") and start.marker == "BETWEEN")
    if not joins:
        return None
    end = _read_clock(tokens, k if link.code in _MARKERS else k + 1, langs)
    if end is None or end.noon_word and start.noon_word:
        return None
    opened = start.evidence or start.marker in ("DE", "BETWEEN", "FROM")
    if link.code in ("AT", "APPROX") and not opened:
        return None  # "Dec 12 at 6:30pm", "le 18 à 20h": a day, then the time
    if not (opened or end.evidence or link.code == "TO"):
        return None
    end.used.add(k)
    return end


def _zone_after(tokens: list[Token], k: int) -> int | None:
    """Index of a zone name right after the time or at the very end ("18:00 CET")."""
    for index in (k, len(tokens) - 1):
        if 0 <= index < len(tokens) and (tokens[index].kind == "zone" or tokens[index].text in ZONE_OFFSETS):
            return index
    return None


def _apply_period(hour: int, period: str | None) -> int | None:
    """The 24-hour hour for an hour said with a day period; 24 is the next midnight."""
    if period is None:
        return hour if hour <= 23 else None
    if hour >= 13 and period not in ("AM", "PM"):  # "18h du soir" agrees, "18h du matin" does not
        return hour if _apply_period(hour - 12, period) == hour else None
    if period in ("AM", "PM") and not 1 <= hour <= 12:
        return None
    if period == "AM":
        return {12: 0}.get(hour, hour) if 1 <= hour <= 12 else None
    if period == "PM":
        return 12 if hour == 12 else hour + 12 if 1 <= hour <= 11 else None
    if period == "MORNING":
        return hour if 1 <= hour <= 11 else None
    if period == "NOON":
        return 12 if hour == 12 else hour + 12 if 1 <= hour <= 4 else None
    if period == "AFTERNOON":
        return 12 if hour == 12 else hour + 12 if 1 <= hour <= 8 else None
    if period == "EVENING":
        return 24 if hour == 12 else hour + 12 if 5 <= hour <= 11 else None
    if period == "NIGHT":  # 1-5 "de la noche" could be either night around the date: refused
        return 24 if hour == 12 else hour + 12 if 7 <= hour <= 11 else None
    return None


def _minutes(clock: _Clock, period: str | None) -> int | None:
    if clock.midnight:
        return MINUTES_A_DAY + clock.offset if 0 <= clock.offset < 60 else None
    hour = _apply_period(clock.hour, None if clock.noon_word else period)
    if hour is None or (clock.minutes_said and not -59 <= clock.offset <= 59):
        return None
    total = hour * 60 + clock.offset
    if hour == 24:
        return total if 0 <= clock.offset < 60 else None
    return total if 0 <= total < MINUTES_A_DAY else None


def _resolve(start: _Clock, end: _Clock | None, general: str | None) -> tuple[int, int | None, bool, bool] | None:
    """(start, end, ambiguous, end follows) in minutes, after the day periods are applied."""
    for clock in (start, end):  # "tomorrow morning at 8pm" says two different things
        if clock is not None and clock.period and general and _minutes(clock, general) != _minutes(clock, clock.period):
            return None
    end_period = end.period or general if end else None
    last = _minutes(end, end_period) if end else None
    if end is not None and last is None:
        return None
    period = start.period or general
    if period is None and end is not None and end.period is not None:
        borrowed = _minutes(start, end.period)  # "6-8pm": the period of the end, if it fits
        period = end.period if borrowed is not None and last is not None and borrowed < last else None
    first = _minutes(start, period)
    if first is None:
        return None
    ambiguous = period is None and not start.fixed and 1 <= start.hour <= 7 and not start.noon_word
    follows = end is not None and end_period is None and not end.fixed
    if last is not None and last <= first:
        if follows and last + 720 > first:
            last += 720
        elif last + MINUTES_A_DAY > first and last < first:
            last += MINUTES_A_DAY
        else:
            return None
    return first, last, ambiguous, follows
