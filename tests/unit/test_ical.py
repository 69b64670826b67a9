"""/ical: a calendar file that a parser reads back to the same occurrences as the bot's own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlmodel import select

from bot.reminders import occurrences
from storage.models import Event
from tests.ical_rules import check_calendar
from tests.world import World


def expand(component, start: datetime, end: datetime) -> list[datetime]:  # noqa: ANN001
    """What a calendar app does with DTSTART + RRULE (wall-clock steps in DTSTART's zone)."""
    dtstart = component.decoded("dtstart")
    if "rrule" not in component:
        return [dtstart.astimezone(timezone.utc)] if start <= dtstart <= end else []
    rule = rrulestr(component["rrule"].to_ical().decode(), dtstart=dtstart)
    return [d.astimezone(timezone.utc) for d in rule.between(start, end, inc=True)]


async def test_ical_has_vtimezone_and_rrule_and_reads_back_to_the_same_occurrences(world: World) -> None:
    world.clock.now = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
    zagreb = world.space("Zagreb Hub", city="Zagreb", country="HR", tz="Europe/Zagreb", lang="hr")
    athens = world.space("Athens Loft", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("iva", zagreb, lang="hr", manager=True)
    world.member("nikos", athens, lang="el", manager=True)
    await world.create_event("iva", "/event Doručak | svaki petak u 9 sati | Kuhinja", zagreb)
    await world.create_event("iva", "/event Predavanje | sutra u 18 sati", zagreb)
    await world.create_event("nikos", "/event Meetup | κάθε Τρίτη 19:00 | | network", athens)
    await world.create_event("nikos", "/event Local only | αύριο στις 20:00", athens)
    [reply] = await world.replies("iva", "/ical", space=zagreb)
    assert reply.file is not None and reply.file.name == "zagreb-hub.ics"
    assert reply.file.mime_type == "text/calendar"
    text = reply.file.data.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Zagreb" in text and "TZID:Europe/Athens" in text
    assert "RRULE:FREQ=WEEKLY;BYDAY=FR" in text
    assert "Local only" not in text

    calendar = Calendar.from_ical(reply.file.data)
    start, end = world.clock(), world.clock() + timedelta(days=120)  # across the October DST change
    with world.sessions() as session:
        events = {e.title: e for e in session.exec(select(Event))}
    zones = {"Doručak": "Europe/Zagreb", "Predavanje": "Europe/Zagreb", "Meetup": "Europe/Athens"}
    read_back = {str(c["summary"]): expand(c, start, end) for c in calendar.walk("VEVENT")}
    assert set(read_back) == set(zones)
    for title, zone in zones.items():
        assert read_back[title] == occurrences(events[title], ZoneInfo(zone), start, end), title
    vtimezones = {str(tz["tzid"]): tz.to_tz() for tz in calendar.walk("VTIMEZONE")}
    for title, zone in zones.items():  # the file's own VTIMEZONE gives the same local times
        assert [d.astimezone(vtimezones[zone]).utcoffset() for d in read_back[title]] == [
            d.astimezone(ZoneInfo(zone)).utcoffset() for d in read_back[title]], title
    fridays = read_back["Doručak"]
    assert len(fridays) > 10
    assert {d.astimezone(ZoneInfo("Europe/Zagreb")).hour for d in fridays} == {9}
    assert {d.hour for d in fridays} == {7, 8}  # UTC moves, the local hour does not


async def test_ical_of_a_space_without_events_is_an_empty_calendar(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    [reply] = await world.replies("ana", "/ical", space=space)
    assert "BEGIN:VCALENDAR" in reply.file.data.decode()
    assert Calendar.from_ical(reply.file.data).walk("VEVENT") == []


async def test_ical_file_follows_the_strict_rules_and_is_the_same_until_events_change(world: World) -> None:
    zagreb = world.space("Zagreb Hub", city="Zagreb", country="HR", tz="Europe/Zagreb", lang="hr")
    athens = world.space("Athens Loft", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("iva", zagreb, lang="en", manager=True)
    world.member("nikos", athens, lang="en", manager=True)
    await world.create_event("iva", "/event Breakfast, coffee; talk \\ more | every friday 9:00 | Kitchen, 2nd floor",
                             zagreb)
    await world.create_event("nikos", "/event Meetup | every tuesday 19:00 | | network", athens)
    [first] = await world.replies("iva", "/ical", space=zagreb)
    world.clock.advance(hours=3)
    [again] = await world.replies("iva", "/ical", space=zagreb)
    assert first.file.data == again.file.data  # no "now" inside: the same events, the same bytes
    strict = check_calendar(first.file.data)
    assert [z.values("TZID")[0] for z in strict.walk("VTIMEZONE")] == ["Europe/Athens", "Europe/Zagreb"]
    assert "SUMMARY:Breakfast\\, coffee\\; talk \\\\ more" in first.file.data.decode()
    for item in Calendar.from_ical(first.file.data).walk("VEVENT"):
        assert item.decoded("dtend") - item.decoded("dtstart") == timedelta(hours=1)  # no end given: an hour
        assert str(item["status"]) == "CONFIRMED"
        assert item.decoded("dtstamp").tzinfo is not None and item.decoded("dtstamp") <= world.clock()
    [item] = [e for e in Calendar.from_ical(first.file.data).walk("VEVENT") if str(e["summary"]).startswith("Break")]
    assert (str(item["summary"]), str(item["location"])) == ("Breakfast, coffee; talk \\ more", "Kitchen, 2nd floor")
    await world.create_event("iva", "/event Lecture | tomorrow 18:00", zagreb)
    [changed] = await world.replies("iva", "/ical", space=zagreb)
    assert changed.file.data != first.file.data and b"SUMMARY:Lecture" in changed.file.data
