"""What /event answers when its WHEN is refused: which part was wrong, as a question where one fits.

`bot.dates` never guesses; it says why (`WhenRefusal.reason`). Each reason is worded here in
the reader's language, with the date it read when that helps ("15 November is a Sunday, not a
Thursday"). The bare-hour question ("06:00 or 18:00?") has buttons and is built by bot.events.
"""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.context import UserError
from bot.dates import (DATE_UNREADABLE, MINUTES_OR_DAY, NO_TIME, PAST, TIME_UNREADABLE, WEEKDAY_MISMATCH, ZONE,
                       WhenRefusal)
from bot.i18n import Translator

QUOTED_MAX = 100  # characters of the user's WHEN quoted back


def refusal_error(refusal: WhenRefusal, text: str, tr: Translator, tz: ZoneInfo) -> UserError:
    """The error to show for a refused WHEN (`text` as typed), worded for `tr`'s reader."""
    when = text.strip()[:QUOTED_MAX]
    day = tr.date(datetime.combine(refusal.day, time(12), tzinfo=tz), tz, "full") if refusal.day else ""
    if refusal.reason == NO_TIME:
        return UserError("“{when}” has a date but no time. Add one, for example “{when} 18:00”.", when=when)
    if refusal.reason == PAST and day:
        return UserError("“{when}” is in the past ({date}). Please give a date and time still ahead.",
                         when=when, date=day)
    if refusal.reason == PAST:
        return UserError("“{when}” is in the past. Please give a date and time still ahead.", when=when)
    if refusal.reason == WEEKDAY_MISMATCH and refusal.day and refusal.weekday is not None:
        names = get_day_names("wide", locale=tr.lang)
        plain_day = tr.date(datetime.combine(refusal.day, time(12), tzinfo=tz), tz, "long")  # no weekday in it
        return UserError("{date} is a {weekday}, not a {said}. Which day do you mean? Please write it again.",
                         date=plain_day, weekday=names[refusal.day.weekday()], said=names[refusal.weekday])
    if refusal.reason == MINUTES_OR_DAY and refusal.hour is not None and refusal.number is not None:
        clock = "%d:%02d" % (refusal.hour, refusal.number)
        return UserError("In “{when}”, is {number} the minutes or the day? Write the time with a colon ({time}), "
                         "or the date with its month.", when=when, number=refusal.number, time=clock)
    if refusal.reason == ZONE:
        return UserError("Times are read in the space's time zone ({zone}), and “{name}” is another one. "
                         "Please give the time as it is in {zone}.", zone=tz.key, name=refusal.text)
    if refusal.reason == DATE_UNREADABLE:
        return UserError("I could not read the date in “{when}”. Try “friday 18:00”, “12/12 18:00” or "
                         "“every monday 9:00”.", when=when)
    if refusal.reason == TIME_UNREADABLE:
        return UserError("I could not read the time in “{when}”. Try “18:00”, “6pm” or “18h”.", when=when)
    return UserError("I could not read “{when}” as a future date and time. Try “friday 18:00”, "
                     "“tomorrow at 6pm” or “every monday 9:00”.", when=when)
