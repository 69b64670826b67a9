"""The space's events (and network-wide ones) as iCalendar: the /ical file and the subscribed feeds.

Starts are written in the space's own time zone with its VTIMEZONE and the
event's RRULE, not expanded or converted to UTC: a calendar app then keeps a
weekly 09:00 at 09:00 across DST changes, exactly as the reminders do.

The same rows always give the same bytes (no "now" in DTSTAMP, VTIMEZONEs in
a fixed order), so a feed's ETag changes only when its events do and calendar
apps polling every few minutes get a 304. A feed keeps the last
:data:`FEED_PAST` of events, and cancelled ones as ``STATUS:CANCELLED`` with
the same UID and a higher SEQUENCE: a subscriber's calendar then removes or
strikes through the event it already has, rather than keeping a ghost of it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, vRecur, vText
from icalendar import Event as VEvent
from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot import calendar_feeds
from bot.config import Settings
from bot.context import Context, Refusal, UserError
from bot.i18n import translator
from bot.messages import Attachment, Reply
from bot.reminders import next_occurrence
from bot.spaces import space_by_slug
from storage.models import Event, Space

PRODID = "-//coworkbot//events//EN"
#: An event given without an end ("friday 18:00") lasts this long in calendar apps.
DEFAULT_DURATION = timedelta(hours=1)
#: How far back a feed keeps events: a calendar that polls drops nothing just after it happened.
FEED_PAST = timedelta(days=30)
#: What a feed asks calendar apps for (RFC 7986 REFRESH-INTERVAL and Outlook's X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)
#: SEQUENCE of a cancelled event: higher than the confirmed one's 0, so apps take the cancellation.
_SEQUENCE = {"confirmed": 0, "cancelled": 1}

Row = tuple[Event, Space]


def event_rows(session: Session, space: Space | None, since: datetime, statuses: Sequence[str]) -> list[Row]:
    """Events (with their space) of ``space`` and the network's, or the network's alone when ``space``
    is None, that have an occurrence at or after ``since``."""
    scope = col(Event.network) if space is None else (Event.space_id == space.id) | col(Event.network)
    rows = session.exec(
        select(Event, Space).join(Space, col(Space.id) == Event.space_id)
        .where(col(Event.status).in_(statuses), scope,
               # old one-off events stay in the database for ever: leave them out in SQL
               or_(col(Event.rrule).is_not(None), col(Event.starts_at) >= since, col(Event.ends_at) >= since))
        .order_by(col(Event.starts_at), col(Event.id))
    ).all()
    return [(event, event_space) for event, event_space in rows if _still_shown(event, event_space, since)]


def _still_shown(event: Event, space: Space, since: datetime) -> bool:
    if event.rrule:
        return next_occurrence(event, ZoneInfo(space.timezone), since) is not None
    return max(event.starts_at, event.ends_at or event.starts_at) >= since  # a one-off still going is shown


def _end(event: Event) -> datetime:
    """The first occurrence's end: as given, else :data:`DEFAULT_DURATION` after the start."""
    if event.ends_at is not None and event.ends_at > event.starts_at:
        return event.ends_at
    return event.starts_at + DEFAULT_DURATION


def vevent(event: Event, event_space: Space, home: Space | None, site: str | None) -> VEvent:
    """One event; the same row gives the same component (UID from the id, DTSTAMP from its creation)."""
    tz = ZoneInfo(event_space.timezone)
    item = VEvent()
    item.add("uid", f"event-{event.id}@coworkbot")  # as the first /ical files had it: imports stay matched
    item.add("dtstamp", event.created_at)
    item.add("created", event.created_at)
    item.add("sequence", _SEQUENCE.get(event.status, 0))
    item.add("status", event.status.upper())
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", _end(event).astimezone(tz))  # with an RRULE every occurrence lasts as long
    if event.rrule:
        item.add("rrule", vRecur.from_ical(event.rrule))
    item.add("summary", event.title)
    if event.location:
        item.add("location", event.location)
    where = [f"{event_space.name}, {event_space.city}"] + ([event_space.address] if event_space.address else [])
    item.add("description", "\n".join(where))
    if event_space.id != getattr(home, "id", None):
        item.add("categories", [event_space.name])
    if site:
        item.add("url", f"{site}/spaces/{event_space.slug}")
    return item


def calendar_bytes(rows: Iterable[Row], name: str, home: Space | None, site: str | None = None,
                   refresh: timedelta | None = None) -> bytes:
    """A complete VCALENDAR of ``rows``: a VTIMEZONE for every TZID used, lines folded, text escaped."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", refresh)
    rows = list(rows)
    items = [vevent(event, event_space, home, site) for event, event_space in rows]
    if rows:
        # VTIMEZONE rules from the first start on (not from 1970): a small file, the same offsets; sorted,
        # because icalendar's add_missing_timezones() follows a set's order, which differs between processes.
        first_day = min(event.starts_at for event, _ in rows).date() - timedelta(days=1)
        for tzid in sorted({event_space.timezone for _, event_space in rows}):
            calendar.add_component(Timezone.from_tzid(tzid, first_date=first_day))
    for item in items:
        calendar.add_component(item)
    return calendar.to_ical()


def space_calendar(session: Session, space: Space, now: datetime) -> bytes:
    """The /ical file: ``space``'s scheduled events that still have an occurrence ahead."""
    return calendar_bytes(event_rows(session, space, now, ("confirmed",)), space.name, space)


def feed_calendar(session: Session, space: Space | None, now: datetime, settings: Settings) -> bytes:
    """A subscribed feed: the space's (or, for None, the network's) events of the last
    :data:`FEED_PAST` and ahead, cancelled ones included as such."""
    rows = event_rows(session, space, now - FEED_PAST, ("confirmed", "cancelled"))
    name = space.name if space is not None else str(translator(settings.default_language).t("Network events"))
    return calendar_bytes(rows, name, space, settings.public_url, FEED_REFRESH)


def ical(ctx: Context, args: str) -> Reply:
    """/ical: subscription links (with a ``PUBLIC_URL``) or the calendar file; ``/ical rotate`` for managers."""
    words = args.lower().split()
    if words and words[0] == "rotate" and len(words) <= 2:
        return rotate(ctx, words[1] if len(words) == 2 else None)
    if words:
        raise UserError("Usage: {p}ical, or {p}ical rotate [network|SLUG] to give the calendar a new link.")
    space = ctx.require_space()
    links = calendar_feeds.subscribe_links(ctx.settings, calendar_feeds.space_feed_path(ctx.session, space))
    if links is None:
        data = space_calendar(ctx.session, space, ctx.now)
        return Reply(ctx.t("The events of <b>{space}</b> as a calendar file.", space=space.name),
                     file=Attachment(f"{space.slug}.ics", data, "text/calendar"))
    network = calendar_feeds.subscribe_links(ctx.settings, calendar_feeds.network_feed_path(ctx.session))
    assert network is not None
    lines = [ctx.t("📅 Subscribe to the events of <b>{space}</b> in your calendar app; it stays up to date.",
                   space=space.name),
             ctx.t("Open in a calendar app: {link}", link=links[1]),
             ctx.t("Or add it by address: {link}", link=links[0]),
             ctx.t("Network events only: {link}", link=network[0])]
    if space.id is not None and ctx.is_manager_of(space.id):
        lines.append(ctx.t("Anyone with the link can read the calendar. If it went too far, {p}ical rotate "
                           "gives a new one and stops the old one."))
    return Reply("\n".join(lines))


def rotate(ctx: Context, target: str | None) -> Reply:
    """/ical rotate [network|SLUG]: a new secret; the old address answers 404 from now on."""
    if target == calendar_feeds.NETWORK:
        if not ctx.authority.coordinator:
            raise Refusal("Only a network coordinator can do that.")
        path = calendar_feeds.feed_path(target, calendar_feeds.rotate_secret(ctx.session, target))
        name = ctx.t("Network events")
    else:
        space = space_by_slug(ctx.session, target) if target else ctx.require_space()
        ctx.require_manager(space)
        secret = calendar_feeds.rotate_secret(ctx.session, calendar_feeds.space_scope(space))
        path, name = calendar_feeds.feed_path(space.slug, secret), space.name
    links = calendar_feeds.subscribe_links(ctx.settings, path)
    if links is None:
        return Reply(ctx.t("🔑 The calendar <b>{name}</b> has a new secret link: the old one no longer works.",
                           name=name))
    return Reply("\n".join([
        ctx.t("🔑 New link for the calendar <b>{name}</b>: the old one no longer works, so subscribers need "
              "this one.", name=name),
        ctx.t("Open in a calendar app: {link}", link=links[1]),
        ctx.t("Or add it by address: {link}", link=links[0])]))
