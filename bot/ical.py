"""/ical: the space's events (and network-wide ones) as an iCalendar file.

Starts are written in the space's own time zone with its VTIMEZONE and the
event's RRULE, not expanded or converted to UTC: a calendar app then keeps a
weekly 09:00 at 09:00 across DST changes, exactly as the reminders do.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent
from sqlmodel import Session, col, select

from bot.context import Context
from bot.messages import Attachment, Reply
from bot.reminders import next_occurrence
from storage.models import Event, Space


def space_calendar(session: Session, space: Space, now: datetime) -> bytes:
    """The .ics bytes of ``space``'s scheduled events that still have an occurrence ahead."""
    calendar = Calendar()
    calendar.add("prodid", "-//coworkbot//events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", space.name)
    rows = session.exec(
        select(Event, Space).join(Space, col(Space.id) == Event.space_id)
        .where(Event.status == "confirmed", (Event.space_id == space.id) | col(Event.network))
        .order_by(col(Event.starts_at), col(Event.id))
    ).all()
    first_day = now.date()
    for event, event_space in rows:
        tz = ZoneInfo(event_space.timezone)
        if next_occurrence(event, tz, now) is None:
            continue
        item = VEvent()
        item.add("uid", f"event-{event.id}@coworkbot")
        item.add("dtstamp", now)
        item.add("dtstart", event.starts_at.astimezone(tz))
        if event.ends_at is not None:  # a range ("18h-20h"); with an RRULE every occurrence lasts as long
            item.add("dtend", event.ends_at.astimezone(tz))
        item.add("summary", event.title)
        if event.location:
            item.add("location", event.location)
        if event.rrule:
            item.add("rrule", vRecur.from_ical(event.rrule))
        if event_space.id != space.id:
            item.add("categories", [event_space.name])
        calendar.add_component(item)
        first_day = min(first_day, event.starts_at.date())
    # VTIMEZONE rules from the first start on (not from 1970): a small file, the same offsets.
    calendar.add_missing_timezones(first_date=first_day - timedelta(days=1))
    return calendar.to_ical()


def ical(ctx: Context, args: str) -> Reply:
    """/ical: the calendar file, to import or subscribe to in any calendar app."""
    space = ctx.require_space()
    data = space_calendar(ctx.session, space, ctx.now)
    return Reply(ctx.t("The events of <b>{space}</b> as a calendar file.", space=space.name),
                 file=Attachment(f"{space.slug}.ics", data, "text/calendar"))
