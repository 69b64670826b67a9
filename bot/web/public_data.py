"""What the public network page shows, read in a few queries: spaces, anonymous counts, upcoming events.

Nothing personal is read here at all: no member, no RSVP, no chat link, no note of a
check-in; only how many check-ins are open per space. Spaces are read as plain columns
(not ORM objects) and each kind of thing in one query, never one per space, so that a
network of 400 spaces and 1,000 events stays well inside a page's time budget.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from bot.calendar_feeds import network_feed_path
from bot.checkins import present_counts
from bot.opening_hours import Week, is_open, stored_hours
from bot.reminders import next_start
from storage.models import CheckIn, Event, Space

#: Upcoming events listed on a page; the rest are in the calendar feed.
EVENTS_SHOWN = 30
_SPACE_COLUMNS = (Space.id, Space.slug, Space.name, Space.city, Space.country, Space.timezone,
                  Space.opening_hours, Space.capacity, Space.address)


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    """A space's time zone (a row edited by hand into nonsense reads as UTC rather than failing the page)."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class PublicSpace:
    """A space as anyone may see it, with how many are in now (a count, never who)."""

    id: int
    slug: str
    name: str
    city: str
    country: str
    timezone: str
    opening_hours: str
    capacity: int | None
    address: str
    present: int

    @property
    def week(self) -> Week | None:
        return stored_hours(self.opening_hours)

    def open_at(self, now: datetime) -> bool | None:
        """Open at ``now`` by its hours in its own zone; None when it has no hours."""
        week = self.week
        return None if week is None else is_open(week, now.astimezone(zone(self.timezone)))


@dataclass(frozen=True)
class PublicEvent:
    """One upcoming occurrence of a confirmed event: what, when, where; never who is going."""

    id: int
    title: str
    location: str
    start: datetime
    end: datetime | None
    rrule: str | None
    network: bool
    space_slug: str
    space_name: str
    space_city: str
    timezone: str


@dataclass(frozen=True)
class NetworkPage:
    spaces: list[PublicSpace]
    events: list[PublicEvent]
    #: Upcoming network events not listed (they are in the feed).
    more_events: int
    feed_path: str


@dataclass(frozen=True)
class SpacePage:
    space: PublicSpace
    events: list[PublicEvent]
    more_events: int


def _space(row: tuple, present: int) -> PublicSpace:  # type: ignore[type-arg]
    return PublicSpace(*row, present=present)


_EVENT_COLUMNS = (Event.id, Event.title, Event.location, Event.starts_at, Event.ends_at, Event.rrule, Event.network,
                  Space.slug, Space.name, Space.city, Space.timezone)


def _upcoming(session: Session, now: datetime, shown: int, *conditions: Any) -> tuple[list[PublicEvent], int]:
    """Confirmed events still to come, at their next start, soonest first: the first ``shown`` and how many more.

    One-offs already started are left out in SQL; every recurring one is asked for its next start.
    """
    query = (select(*_EVENT_COLUMNS).join(Space, col(Space.id) == Event.space_id)
             .where(Event.status == "confirmed", or_(col(Event.rrule).is_not(None), col(Event.starts_at) >= now),
                    *conditions))
    found = []
    for event_id, title, location, first, end, text, network, slug, name, city, tz in session.exec(query).all():
        start = next_start(first, text, zone(tz), now)
        if start is None:
            continue
        found.append(PublicEvent(event_id, title, location, start, start + (end - first) if end else None, text,
                                 network, slug, name, city, tz))
    found.sort(key=lambda e: (e.start, e.id))
    return found[:shown], max(0, len(found) - shown)


def network_page(session: Session, now: datetime, shown: int = EVENTS_SHOWN) -> NetworkPage:
    """Every space with its count, and the network's upcoming events: four queries whatever the size."""
    present = present_counts(session, now)
    spaces = [_space(tuple(row), present.get(row[0], 0)) for row in session.exec(select(*_SPACE_COLUMNS)).all()]
    events, more = _upcoming(session, now, shown, col(Event.network))
    # The network feed holds only network events, which this page lists anyway: its address is public.
    return NetworkPage(spaces, events, more, network_feed_path(session))


def space_page(session: Session, slug: str, now: datetime, shown: int = EVENTS_SHOWN) -> SpacePage | None:
    """One space, its count and its own upcoming events; None when no space has that slug."""
    row = session.exec(select(*_SPACE_COLUMNS).where(Space.slug == slug)).first()
    if row is None:
        return None
    present = session.exec(select(func.count()).select_from(CheckIn)
                           .where(CheckIn.space_id == row[0], CheckIn.open_at(now))).one()
    events, more = _upcoming(session, now, shown, Event.space_id == row[0])
    return SpacePage(_space(tuple(row), int(present)), events, more)
