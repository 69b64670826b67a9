"""Event reminders that fire once, on time, across restarts, downtime and DST changes.

The database is the source of truth. Each reminder of each occurrence is a
``Reminder`` row, planned ahead for a rolling horizon; the occurrences of a
recurring event are expanded in the *space's* local time (so a weekly 09:00
stays 09:00 after a DST change) and stored in UTC. :func:`reminder_pass` is a
plain function of (database, now): it claims each due row and queues its
messages in one transaction, so a crash can neither lose nor repeat one. The
scheduler only decides *when* the pass runs; its jobs are rebuilt at start.

After downtime, a reminder missed by less than its offset (the event has not
started yet) is sent late, worded "starting soon"; an older one is skipped and
logged, because "starts in 1 hour" after the start helps nobody.

Reminders go to the event's own space's chats (a network event was announced
everywhere, but reminding every chat of the network would be noise) and by
DM to everyone who answered "yes", wherever they are.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from dateutil.rrule import rrule, rruleset, rrulestr
from markupsafe import Markup
from sqlmodel import Session, col, select, update

from bot import metrics
from bot.config import Settings
from bot.context import command_prefix, direct_chat, reader_translator
from bot.i18n import Translator, translator
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.spaces import linked_chats
from storage.db import SessionFactory
from storage.models import Event, Member, Reminder, Rsvp, Space
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.scheduler import JobWorld

log = logging.getLogger(__name__)

HORIZON = timedelta(days=60)  # how far ahead occurrences get reminder rows
LATE_AFTER = timedelta(minutes=2)  # later than this past due_at, a reminder says "starting soon"
PASS_SECONDS = 30  # safety-net interval of the reminder pass
PLAN_SECONDS = 3600  # how often the horizon is extended


@lru_cache(maxsize=4096)
def recurrence(text: str, first: datetime, tz: ZoneInfo) -> rrule | rruleset:
    """An event's RRULE from its first start in local wall time, parsed once (the public page,
    the feeds and the reminder pass ask every recurring event for its starts again and again)."""
    return rrulestr(text, dtstart=first.astimezone(tz))


def occurrences(event: Event, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Starts (UTC) of ``event`` in [start, end], recurrences stepped in local wall time."""
    if not event.rrule:
        return [event.starts_at] if start <= event.starts_at <= end else []
    found = recurrence(event.rrule, event.starts_at, tz).between(start.astimezone(tz), end.astimezone(tz), inc=True)
    return [moment.astimezone(timezone.utc) for moment in found]


def next_occurrence(event: Event, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first start at or after ``now`` (None when a one-off event is over)."""
    return next_start(event.starts_at, event.rrule, tz, now)


def next_start(first: datetime, rule: str | None, tz: ZoneInfo, now: datetime) -> datetime | None:
    """:func:`next_occurrence` from an event's columns (for queries that read columns, not rows)."""
    if not rule:
        return first if first >= now else None
    found = recurrence(rule, first, tz).after(now.astimezone(tz), inc=True)
    return found.astimezone(timezone.utc) if found else None


def plan_event(session: Session, event: Event, tz: ZoneInfo, offsets: Iterable[timedelta],
               now: datetime, horizon: timedelta = HORIZON) -> int:
    """Add the missing reminder rows of ``event`` up to ``now + horizon``; returns how many.

    A reminder already due at planning time (an event created 3 hours ahead
    has no 24-hour reminder) is not created: the announcement just went out.
    """
    existing = set(session.exec(
        select(Reminder.occurrence_at, Reminder.offset_seconds)
        .where(Reminder.event_id == event.id, Reminder.occurrence_at > now)
    ).all())
    added = 0
    for start in occurrences(event, tz, now, now + horizon):
        for offset in offsets:
            seconds = int(offset.total_seconds())
            due = start - offset
            if due <= now or (start, seconds) in existing:
                continue
            session.add(Reminder(event_id=event.id, occurrence_at=start, offset_seconds=seconds, due_at=due))
            added += 1
    return added


def plan_all(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Extend every scheduled event's reminders to the horizon (at start, then hourly)."""
    with sessions() as session:
        rows = session.exec(
            select(Event, Space).join(Space, col(Space.id) == Event.space_id)
            .where(Event.status == "confirmed")
            .where((col(Event.rrule).is_not(None)) | (Event.starts_at > now))
        ).all()
        added = sum(plan_event(session, e, ZoneInfo(s.timezone), settings.reminder_offsets, now) for e, s in rows)
        session.commit()
    return added


@dataclass(frozen=True)
class PassResult:
    """What one reminder pass did, and when the next reminder is due (for the scheduler)."""

    sent: int
    skipped: int
    next_due: datetime | None


def reminder_pass(sessions: SessionFactory, settings: Settings, now: datetime) -> PassResult:
    """Send every due reminder once, in one transaction each; skip the hopelessly late ones.

    After downtime several reminders of one occurrence may be due together
    (the 24-hour and the 1-hour one): only the closest is sent, the others are
    skipped as superseded, so nobody gets "starting soon" twice.
    """
    sent = skipped = 0
    with sessions() as session:
        due = session.exec(
            select(Reminder).where(
                col(Reminder.sent_at).is_(None), col(Reminder.skipped_at).is_(None), Reminder.due_at <= now)
            .order_by(col(Reminder.due_at), col(Reminder.id))
        ).all()
        closest: dict[tuple[int, datetime], int] = {}
        for row in due:
            key = (row.event_id, row.occurrence_at)
            closest[key] = min(closest.get(key, row.offset_seconds), row.offset_seconds)
        for row in due:
            reminder_id, superseded = row.id, row.offset_seconds > closest[(row.event_id, row.occurrence_at)]
            try:
                outcome, reason = _handle_one(session, settings, reminder_id, now, superseded)
                session.commit()
            except Exception:  # noqa: BLE001 - one bad row must not block the others
                session.rollback()
                log.exception("reminder %s could not be sent", reminder_id)
                continue
            if outcome != "gone":  # counted once committed: a rolled-back claim was neither
                metrics.reminder_done(outcome, reason)
            sent += outcome == "sent"
            skipped += outcome == "skipped"
        next_due = session.exec(
            select(Reminder.due_at).where(col(Reminder.sent_at).is_(None), col(Reminder.skipped_at).is_(None))
            .order_by(col(Reminder.due_at)).limit(1)
        ).first()
    return PassResult(sent, skipped, next_due)


def _claim(session: Session, reminder_id: int, now: datetime, column: str) -> bool:
    """Mark a reminder sent/skipped unless someone else already did (safe across processes)."""
    result = session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.sent_at).is_(None), col(Reminder.skipped_at).is_(None))
        .values({column: now})
    )
    return bool(result.rowcount)


def _handle_one(session: Session, settings: Settings, reminder_id: int, now: datetime,
                superseded: bool) -> tuple[str, str]:
    """Send or skip one reminder; the caller commits (the claim and the messages together).

    Returns the outcome (sent, skipped, or gone: someone else claimed it) and why, for the metrics.
    """
    reminder = session.get(Reminder, reminder_id)
    event = session.get(Event, reminder.event_id) if reminder else None
    if reminder is None or event is None:
        return "gone", ""
    if event.status != "confirmed" or superseded or now >= reminder.occurrence_at:
        if not _claim(session, reminder_id, now, "skipped_at"):
            return "gone", ""
        if event.status != "confirmed":
            return "skipped", "cancelled"
        why = "a closer reminder is due too" if superseded else "the occurrence has started"
        log.warning("reminder %s of event %s skipped (%s): due %s, occurrence %s", reminder_id, event.id,
                    why, reminder.due_at.isoformat(), reminder.occurrence_at.isoformat())
        return "skipped", "superseded" if superseded else "started"
    if not _claim(session, reminder_id, now, "sent_at"):
        return "gone", ""
    space = session.get(Space, event.space_id)
    assert space is not None
    late = now - reminder.due_at > LATE_AFTER
    for link in linked_chats(session, [space.id]):
        chat = ChatRef(link.platform, link.chat_id)
        tr = translator(space.language, command_prefix(link.platform, settings))
        enqueue(session, chat, reminder_reply(tr, event, space, reminder, late), kind="reminder",
                dedupe_key=f"reminder:{reminder_id}:{link.platform}:{link.chat_id}", not_before=now)
    going = session.exec(
        select(Member).join(Rsvp, col(Rsvp.member_id) == Member.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == "yes").order_by(col(Member.id))
    ).all()
    for member in going:
        tr = reader_translator(session, settings, member, space)
        enqueue(session, direct_chat(member), reminder_reply(tr, event, space, reminder, late), kind="reminder",
                dedupe_key=f"reminder:{reminder_id}:dm:{member.id}", not_before=now, recipient_id=member.id)
    return "sent", "late" if late else "on_time"


def reminder_reply(tr: Translator, event: Event, space: Space, reminder: Reminder, late: bool) -> Reply:
    """The reminder as ``tr``'s reader sees it, with the time in the space's zone."""
    when = tr.datetime(reminder.occurrence_at, ZoneInfo(space.timezone))
    if late:
        lines = [tr.t("⏰ Starting soon: <b>{title}</b> at {space}, {when}.", title=event.title,
                      space=space.name, when=when)]
    else:
        delay = format_timedelta(timedelta(seconds=reminder.offset_seconds), add_direction=True,
                                 locale=tr.lang)
        lines = [tr.t("⏰ Reminder: <b>{title}</b> at {space} starts {delay}: {when}.", title=event.title,
                      space=space.name, delay=delay, when=when)]
    if event.location:
        lines.append(tr.t("📍 {where}", where=event.location))
    return Reply(Markup("\n").join(lines))


def schedule_reminders(runtime: JobWorld) -> None:
    """Catch up now, then run the pass every 30 s and exactly at the next due time.

    Called at every start: nothing about reminders lives in the scheduler's
    memory that the database cannot rebuild.
    """
    one_at_a_time = asyncio.Lock()  # planning and a pass never overlap (both run in threads)

    async def plan() -> None:
        async with one_at_a_time:
            await asyncio.to_thread(plan_all, runtime.sessions, runtime.settings, utcnow())

    def schedule_next(result: PassResult, now: datetime) -> None:
        # A row still due after a pass failed to send; the 30-second job retries it, so a
        # past time is not scheduled (it would run again at once, in a loop).
        if result.next_due is not None and result.next_due > now:
            runtime.scheduler.at("reminders:next", result.next_due, run_pass)

    async def run_pass() -> None:
        async with one_at_a_time:
            now = utcnow()
            result = await asyncio.to_thread(reminder_pass, runtime.sessions, runtime.settings, now)
        if result.sent or result.skipped:
            log.info("reminders: %d sent, %d skipped", result.sent, result.skipped)
        if result.sent:
            runtime.worker.wakeup.set()
        schedule_next(result, now)

    now = utcnow()
    plan_all(runtime.sessions, runtime.settings, now)
    first = reminder_pass(runtime.sessions, runtime.settings, now)
    if first.sent or first.skipped:
        log.info("reminders at start: %d sent late or on time, %d skipped", first.sent, first.skipped)
    schedule_next(first, now)
    runtime.scheduler.every("reminders", PASS_SECONDS, run_pass)
    runtime.scheduler.every("reminders:plan", PLAN_SECONDS, plan)
