"""bot.dates: WHEN phrases in the eight languages, recurrences, DST, and what must be refused."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.dates import When, WhenRefusal, parse_when, read_when

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)  # Wednesday, 10:00
ROOT = Path(__file__).resolve().parents[2]


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


ONE_OFF = [
    ("tomorrow at 6pm", "en", at(11, 26, 18)),
    ("demain à 18h", "fr", at(11, 26, 18)),
    ("domani alle 18", "it", at(11, 26, 18)),
    ("mañana a las 18:00", "es", at(11, 26, 18)),
    ("αύριο στις 18:00", "el", at(11, 26, 18)),
    ("sutra u 18 sati", "hr", at(11, 26, 18)),
    ("morgen um 18 Uhr", "de", at(11, 26, 18)),
    ("jutri ob 18:00", "sl", at(11, 26, 18)),
    ("next friday 9:30", "en", at(11, 27, 9, 30)),
    ("12/12 18:30", "fr", at(12, 12, 18, 30)),
    ("2026-12-03 19:00", "de", at(12, 3, 19)),
    ("vendredi 18h", "fr", at(11, 27, 18)),
    ("venerdì alle 18", "it", at(11, 27, 18)),
    ("Freitag 18 Uhr", "de", at(11, 27, 18)),
    # Variants a user is likely to type.
    ("demain 18h30", "fr", at(11, 26, 18, 30)),
    ("venerdi alle 18.30", "it", at(11, 27, 18, 30)),
    ("el viernes a las 18", "es", at(11, 27, 18)),
    ("την Παρασκευή στις 18:00", "el", at(11, 27, 18)),
    ("u petak u 18 sati", "hr", at(11, 27, 18)),
    ("am 3.12. um 18.30 Uhr", "de", at(12, 3, 18, 30)),
    ("v sredo ob 18. uri", "sl", at(12, 2, 18)),
    ("u srijedu u 18 sati", "hr", at(12, 2, 18)),
    ("12. decembra ob 18h", "sl", at(12, 12, 18)),
    ("12. prosinca u 18 sati", "hr", at(12, 12, 18)),
    ("12 Δεκεμβρίου στις 18:00", "el", at(12, 12, 18)),
    ("12 de diciembre a las 18:00", "es", at(12, 12, 18)),
    ("Saturday, Dec 12 at 6:30pm", "en", at(12, 12, 18, 30)),
    ("dans 2 jours à 18h", "fr", at(11, 27, 18)),
    ("diesen Freitag um 18 Uhr", "de", at(11, 27, 18)),
    ("03/12 18:00", "en", at(12, 3, 18)),  # day-first in every language
    ("05/01 9:00", "fr", at(1, 5, 9, year=2027)),  # nearest 5 January is next year's
    ("today 18:00", "en", at(11, 25, 18)),
    ("18:00", "en", at(11, 25, 18)),
    ("12am tomorrow", "en", at(11, 26, 0)),
]


@pytest.mark.parametrize(("text", "lang", "expected"), ONE_OFF)
def test_one_off_phrases_give_the_right_day_and_hour(
    text: str, lang: str, expected: datetime
) -> None:
    when = parse_when(text, [lang], PARIS, NOW)
    assert when == When(start=expected, rrule=None)
    assert when.start.tzinfo is PARIS


RECURRING = [
    ("every friday 9:00", "en", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("chaque vendredi 9h", "fr", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("ogni venerdì alle 9", "it", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("cada viernes a las 9:00", "es", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("todos los viernes a las 9", "es", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("κάθε Παρασκευή στις 9:00", "el", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("svaki petak u 9", "hr", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("jeden Freitag um 9 Uhr", "de", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("vsak petek ob 9:00", "sl", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
]
RECURRING_MORE = [
    ("tous les vendredis à 9h", "fr", "FREQ=WEEKLY;BYDAY=FR", at(11, 27, 9)),
    ("svaku srijedu u 18", "hr", "FREQ=WEEKLY;BYDAY=WE", at(11, 25, 18)),
    ("svake srijede u 18", "hr", "FREQ=WEEKLY;BYDAY=WE", at(11, 25, 18)),
    ("vsako sredo ob 18h", "sl", "FREQ=WEEKLY;BYDAY=WE", at(11, 25, 18)),
    # Today's weekday: today if the time is still ahead, else next week.
    ("every wednesday 18:00", "en", "FREQ=WEEKLY;BYDAY=WE", at(11, 25, 18)),
    ("every wednesday 9:00", "en", "FREQ=WEEKLY;BYDAY=WE", at(12, 2, 9)),
    ("every day 11:00", "en", "FREQ=DAILY", at(11, 25, 11)),
    ("every day 9:00", "en", "FREQ=DAILY", at(11, 26, 9)),
    ("tous les jours à 9h", "fr", "FREQ=DAILY", at(11, 26, 9)),
    ("κάθε μέρα στις 9:00", "el", "FREQ=DAILY", at(11, 26, 9)),
    ("every week 18:00", "en", "FREQ=WEEKLY;BYDAY=WE", at(11, 25, 18)),
    ("every month 18:00", "en", "FREQ=MONTHLY;BYMONTHDAY=25", at(11, 25, 18)),
    ("jeden Monat um 9 Uhr", "de", "FREQ=MONTHLY;BYMONTHDAY=25", at(12, 25, 9)),
]


@pytest.mark.parametrize(("text", "lang", "rrule", "first"), RECURRING + RECURRING_MORE)
def test_recurrences_give_the_rule_and_first_occurrence(
    text: str, lang: str, rrule: str, first: datetime
) -> None:
    assert parse_when(text, [lang], PARIS, NOW) == When(start=first, rrule=rrule)


@pytest.mark.parametrize(("text", "lang", "rrule", "first"), RECURRING)
def test_weekly_event_keeps_its_local_hour_across_the_october_dst_change(
    text: str, lang: str, rrule: str, first: datetime
) -> None:
    before = datetime(2026, 10, 21, 10, 0, tzinfo=PARIS)  # DST ends Sunday 25 October 2026
    when = parse_when(text, [lang], PARIS, before)
    assert when is not None and when.rrule is not None and when.start == at(10, 23, 9)
    occurrences = [o for _, o in zip(range(4), rrulestr(when.rrule, dtstart=when.start))]
    assert [o.date().isoformat() for o in occurrences] == [
        "2026-10-23", "2026-10-30", "2026-11-06", "2026-11-13"
    ]
    assert all((o.hour, o.minute) == (9, 0) for o in occurrences)
    assert [o.utcoffset() for o in occurrences[:2]] == [timedelta(hours=2), timedelta(hours=1)]


def test_one_off_after_a_dst_change_keeps_the_hour_said() -> None:
    before = datetime(2026, 10, 21, 10, 0, tzinfo=PARIS)
    when = parse_when("vendredi 30/10 à 18h", ["fr"], PARIS, before)
    assert when is not None and when.start == at(10, 30, 18)
    assert when.start.utcoffset() == timedelta(hours=1)
    assert when.start.astimezone(timezone.utc).hour == 17


def test_recurrence_first_found_after_dst_change_keeps_the_hour() -> None:
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=PARIS)  # the day before the change
    when = parse_when("every saturday 9:00", ["en"], PARIS, saturday)
    assert when is not None and when.start == at(10, 31, 9)
    assert when.start.utcoffset() == timedelta(hours=1)


def test_time_skipped_by_spring_dst_moves_forward() -> None:
    when = parse_when("2027-03-28 02:30", ["en"], PARIS, NOW)
    assert when is not None and when.start == datetime(2027, 3, 28, 3, 30, tzinfo=PARIS)


@pytest.mark.parametrize(
    "text",
    ["banana", "", "   ", "32/13 99:99", "32/13 18:00", "25:00", "13pm", "demain à banana",
     "every banana 9:00", "every tomorrow 9:00", "in 2 hours"],
)
def test_garbage_is_refused(text: str) -> None:
    assert parse_when(text, ["fr"], PARIS, NOW) is None


@pytest.mark.parametrize("text", ["demain", "vendredi", "vendredi 18", "every friday"])
def test_a_date_without_time_is_refused(text: str) -> None:
    assert parse_when(text, ["fr"], PARIS, NOW) is None


@pytest.mark.parametrize("text", ["demain 18h ou 19h", "tomorrow morning at 8pm", "every third tuesday 18:00",
                                  "So 18 Uhr", "demain 18h pendant 2h", "du 3 au 5 décembre à 18h"])
def test_what_is_not_understood_is_refused_rather_than_half_read(text: str) -> None:
    # Two times, a period that contradicts the hour, "every third" (weeks, or of the month?),
    # German "So" (Sunday, or "about"?), a duration, a range of days: none may become a guess.
    assert parse_when(text, ["de", "fr"], PARIS, NOW) is None


def test_a_plural_weekday_is_weekly_and_a_range_keeps_its_end() -> None:
    assert parse_when("freitags um 9 Uhr", ["de"], PARIS, NOW) == When(at(11, 27, 9), "FREQ=WEEKLY;BYDAY=FR")
    assert parse_when("demain de 18h à 20h", ["fr"], PARIS, NOW) == When(at(11, 26, 18), None, at(11, 26, 20))


@pytest.mark.parametrize(
    "text",
    ["2025-12-03 19:00", "20/11 18:00", "today 9:00", "yesterday 18:00", "hier à 18h",
     "2026-11-25 09:59"],
)
def test_past_dates_are_not_silently_accepted(text: str) -> None:
    assert parse_when(text, ["fr"], PARIS, NOW) is None


def test_only_the_given_languages_and_english_are_used() -> None:
    assert parse_when("αύριο στις 18:00", ["fr", "it"], PARIS, NOW) is None
    assert parse_when("αύριο στις 18:00", ["fr", "el"], PARIS, NOW) is not None
    assert parse_when("tomorrow 18:00", ["fr", "el"], PARIS, NOW) is not None
    assert parse_when("demain 18:00", ["fr-BE"], PARIS, NOW) is not None


def test_now_in_another_zone_gives_the_space_local_time() -> None:
    utc_now = NOW.astimezone(timezone.utc)
    assert parse_when("demain à 18h", ["fr"], PARIS, utc_now) == When(at(11, 26, 18), None)
    tokyo = ZoneInfo("Asia/Tokyo")
    when = parse_when("demain à 18h", ["fr"], tokyo, NOW)  # already 18:00 on the 25th in Tokyo
    assert when == When(datetime(2026, 11, 26, 18, 0, tzinfo=tokyo), None)


def test_cached_results_still_depend_on_the_time_of_day() -> None:
    assert parse_when("today 11:00", ["en"], PARIS, NOW) is not None
    assert parse_when("today 11:00", ["en"], PARIS, NOW.replace(hour=12)) is None
    later = parse_when("every day 11:00", ["en"], PARIS, NOW.replace(hour=12))
    assert later == When(at(11, 26, 11), "FREQ=DAILY")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("demain à 18h", ["fr"], PARIS, datetime(2026, 11, 25, 10))


def test_importing_loads_no_dateparser_language_data() -> None:
    code = (
        "import sys, bot.dates\n"
        "from dateparser import timezone_parser\n"
        "loaded = [m for m in sys.modules if m.startswith('dateparser.data.date_translation_data.')]\n"
        "assert loaded == [], loaded\n"
        "assert timezone_parser._build_tz_regexes.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("le 30 à 18h", at(11, 30, 18)), ("le 15 à 18h", None), ("décembre à 18h", None)],
)
def test_a_day_of_month_alone_is_this_month_and_a_month_alone_is_refused(
    text: str, expected: datetime | None
) -> None:
    when = parse_when(text, ["fr"], PARIS, NOW)
    assert (when and when.start) == expected


def test_unknown_language_codes_are_skipped_not_fatal() -> None:
    assert parse_when("tomorrow 18:00", ["und", "x-klingon"], PARIS, NOW) == When(
        at(11, 26, 18), None
    )
    assert parse_when("demain 18:00", ["fr_FR", "zz"], PARIS, NOW) == When(at(11, 26, 18), None)


def test_a_bare_hour_offers_both_readings_unless_one_has_passed() -> None:
    asked = read_when("demain à 6h", ["fr"], PARIS, NOW)
    assert asked == WhenRefusal("hour", choices=(When(at(11, 26, 6), None), When(at(11, 26, 18), None)))
    assert read_when("aujourd'hui à 6h", ["fr"], PARIS, NOW) == When(at(11, 25, 18), None)  # 06:00 is gone
    assert read_when("demain à 06h", ["fr"], PARIS, NOW) == When(at(11, 26, 6), None)  # a leading zero is 24-hour
    ranged = read_when("tomorrow from 5 to 7", ["en"], PARIS, NOW)
    assert isinstance(ranged, WhenRefusal) and [c.end for c in ranged.choices] == [at(11, 26, 7), at(11, 26, 19)]


@pytest.mark.parametrize(("text", "lang", "refusal"), [
    ("demain", "fr", WhenRefusal("no_time")),
    ("banana", "en", WhenRefusal("unreadable")),
    ("hier à 18h", "fr", WhenRefusal("past", day=at(11, 24, 0).date())),
    ("today 9:00", "en", WhenRefusal("past", day=NOW.date())),
    ("32/13 18:00", "en", WhenRefusal("date")),
    ("25:00", "en", WhenRefusal("time")),
    ("friday 3 december 7pm", "en", WhenRefusal("weekday", day=at(12, 3, 0).date(), weekday=4)),
    ("tomorrow at 3 15", "en", WhenRefusal("minutes_or_day", hour=3, number=15)),
    ("alle 3 20", "it", WhenRefusal("minutes_or_day", hour=3, number=20)),
    ("tomorrow 7pm EST", "en", WhenRefusal("zone", text="est")),
    ("morgen 18 Uhr utc+3", "de", WhenRefusal("zone", text="utc+3")),
])
def test_a_refusal_names_the_part_that_was_wrong(text: str, lang: str, refusal: WhenRefusal) -> None:
    assert read_when(text, [lang], PARIS, NOW) == refusal
    assert parse_when(text, [lang], PARIS, NOW) is None


@pytest.mark.parametrize("text", ["tomorrow 18:00 CET", "demain 18h Europe/Paris", "morgen 18 Uhr MEZ", "18:00 utc+1 tomorrow"])
def test_a_zone_name_that_is_the_spaces_own_is_ignored(text: str) -> None:
    assert parse_when(text, ["fr", "de"], PARIS, NOW) == When(at(11, 26, 18), None)


def test_summer_time_zone_names_follow_the_date() -> None:
    summer = datetime(2027, 6, 1, 10, 0, tzinfo=PARIS)
    assert parse_when("tomorrow 18:00 CEST", ["en"], PARIS, summer) == When(
        datetime(2027, 6, 2, 18, 0, tzinfo=PARIS), None)
    assert parse_when("tomorrow 18:00 CET", ["en"], PARIS, summer) is None


def test_a_range_past_midnight_ends_the_next_day_and_keeps_wall_times_over_dst() -> None:
    assert parse_when("tomorrow 10pm-2am", ["en"], PARIS, NOW) == When(at(11, 26, 22), None, at(11, 27, 2))
    friday = datetime(2026, 10, 23, 10, 0, tzinfo=PARIS)  # DST ends in the night to Sunday 25 October
    when = parse_when("samedi de 22h à 4h", ["fr"], PARIS, friday)
    assert when is not None and when.end is not None
    assert (when.start.hour, when.end.hour) == (22, 4)
    assert when.end.astimezone(timezone.utc) - when.start.astimezone(timezone.utc) == timedelta(hours=7)


@pytest.mark.parametrize(("text", "lang", "first", "rrule"), [
    ("every other wednesday 9:00", "en", at(12, 2, 9), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),  # today's has passed
    ("every other wednesday 18:00", "en", at(11, 25, 18), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
    ("le dernier mercredi du mois à 9h", "fr", at(12, 30, 9), "FREQ=MONTHLY;BYDAY=-1WE"),
    ("every other day at 9", "en", at(11, 26, 9), "FREQ=DAILY;INTERVAL=2"),
    ("alle 14 Tage um 18 Uhr", "de", at(11, 25, 18), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
])
def test_an_interval_or_a_weekday_of_the_month_starts_at_the_next_match(
        text: str, lang: str, first: datetime, rrule: str) -> None:
    assert parse_when(text, [lang], PARIS, NOW) == When(first, rrule)
