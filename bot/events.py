"""Events: /event (then /confirm), /events, /cancel_event.

A manager's ``/event`` only stores a *pending* event and echoes how the date
was understood, in full and in the space's time zone: a misread "vendredi 18h"
must be caught before a whole network is told. ``/confirm`` schedules it,
plans its reminders and announces it in the space's chats (every space's
chats for a network event) with 👍 🤔 👎 buttons.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from markupsafe import Markup
from sqlalchemy import event as sa_event
from sqlmodel import col, select

from bot import metrics
from bot.announcements import Counts, announcement_reply
from bot.context import Context, UserError, command_prefix
from bot.dates import AMBIGUOUS_HOUR, When, WhenRefusal, first_start_at, read_when
from bot.event_when import refusal_error
from bot.i18n import N_, Translator, translator
from bot.messages import Button, ChatRef, Reply
from bot.pages import page_buttons, page_footer, page_of, split_page
from bot.reminders import next_occurrence, plan_event
from bot.rsvp import event_by_id, going_count
from bot.sanitize import bounded_int, parse_id
from bot.spaces import linked_chats
from storage.models import Event, Member, Reminder, Rsvp, Space

TITLE_MAX = 200
WHERE_MAX = 200
CAPACITY_MAX = 10000
HORIZON_YEARS = 2  # no event further ahead: "9999-12-31" is a typo or a test of the bot, not a plan
USAGE = N_("TITLE | WHEN [| WHERE] [| network] [| max N]")
# "network" in each language; not Spanish "red", which is also a room name ("Red").
NETWORK_WORDS = frozenset("network réseau reseau rete δίκτυο δικτυο mreža mreza netzwerk omrežje omrezje".split())
_CAPACITY = re.compile(r"(?:max\.?|máx\.?|capacity|cap)?\s*:?\s*(\d+)", re.IGNORECASE)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")  # "/confirm 12 18:00": the hour chosen


def parse_fields(args: str) -> tuple[str, str, str, bool, int | None]:
    """``TITLE | WHEN | WHERE | network | max 20`` → checked values; the optional fields in any order."""
    fields = [f.strip() for f in args.split("|")]
    if len(fields) < 2 or not fields[0] or not fields[1]:
        raise UserError("Usage: {p}event {usage}", usage=USAGE)
    title, when, where, network, capacity = fields[0], fields[1], "", False, None
    for field in fields[2:]:
        match = _CAPACITY.fullmatch(field)
        if field.lower() in NETWORK_WORDS:
            network = True
        elif match:
            capacity = bounded_int(match.group(1), CAPACITY_MAX)
            if not capacity:
                raise UserError("A capacity is between 1 and {max} people.", max=CAPACITY_MAX)
        elif field and not where:
            where = field
        elif field:
            raise UserError("Usage: {p}event {usage}", usage=USAGE)
    if len(title) > TITLE_MAX:
        raise UserError("A title is limited to {limit} characters (yours has {length}).",
                        limit=TITLE_MAX, length=len(title))
    if len(where) > WHERE_MAX:
        raise UserError("A place is limited to {limit} characters (yours has {length}).",
                        limit=WHERE_MAX, length=len(where))
    return title, when, where, network, capacity


def years_later(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def describe_recurrence(tr: Translator, rrule: str) -> str:
    """"weekly (Friday)" for ``FREQ=WEEKLY;BYDAY=FR``, in ``tr``'s language."""
    parts = dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)
    freq, every_other = parts.get("FREQ"), parts.get("INTERVAL", "1") == "2"
    if parts.get("INTERVAL", "1") not in ("1", "2"):
        return rrule
    names = get_day_names("wide", locale=tr.lang)
    if freq == "DAILY":
        return tr.t("every other day") if every_other else tr.t("every day")
    if freq == "WEEKLY" and parts.get("BYDAY"):
        days = ", ".join(names[_BYDAY.index(d)] for d in parts["BYDAY"].split(",") if d in _BYDAY)
        return tr.t("every other week ({weekdays})", weekdays=days) if every_other else tr.t(
            "weekly ({weekdays})", weekdays=days)
    if freq == "MONTHLY" and parts.get("BYMONTHDAY") and not every_other:
        return tr.t("monthly, on day {day}", day=parts["BYMONTHDAY"])
    nth = re.fullmatch(r"(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)", parts.get("BYDAY", ""))
    if freq == "MONTHLY" and nth and not every_other:
        weekday = names[_BYDAY.index(nth.group(2))]
        return {"1": tr.t("monthly, on the first {weekday}", weekday=weekday),
                "2": tr.t("monthly, on the second {weekday}", weekday=weekday),
                "3": tr.t("monthly, on the third {weekday}", weekday=weekday),
                "4": tr.t("monthly, on the fourth {weekday}", weekday=weekday),
                "-1": tr.t("monthly, on the last {weekday}", weekday=weekday)}[nth.group(1)]
    return rrule


def event_details(tr: Translator, event: Event, space: Space, start: datetime, show_zone: bool) -> list[Markup]:
    """The lines that say what, when (in the space's zone), how often, where, how many."""
    tz = ZoneInfo(space.timezone)
    when = tr.datetime(start, tz)
    if event.ends_at is not None:  # every occurrence lasts as long as the first
        end = start + (event.ends_at - event.starts_at)
        same_day = end.astimezone(tz).date() == start.astimezone(tz).date()
        when = f"{when} – {tr.time(end, tz) if same_day else tr.datetime(end, tz)}"
    lines = [tr.t("📅 {when} ({zone})", when=when, zone=space.timezone) if show_zone else tr.t("📅 {when}", when=when)]
    if event.rrule:
        lines.append(tr.t("🔁 {recurrence}", recurrence=describe_recurrence(tr, event.rrule)))
    if event.location:
        lines.append(tr.t("📍 {where}", where=event.location))
    if event.capacity:
        lines.append(tr.tn("👥 {n} place", "👥 {n} places", event.capacity))
    if event.network:
        lines.append(tr.t("🌍 open to the whole network"))
    return lines


def create_event(ctx: Context, args: str) -> Reply:
    """/event TITLE | WHEN [| WHERE] [| network] [| max N]: store it pending and ask to confirm."""
    space = ctx.require_space()
    ctx.require_manager(space)
    title, when_text, where, network, capacity = parse_fields(args)
    tz = ctx.zone(space)
    read = read_when(when_text, [ctx.lang, space.language], tz, ctx.now)
    if isinstance(read, WhenRefusal) and read.reason != AMBIGUOUS_HOUR:
        raise refusal_error(read, when_text, ctx.tr, tz)
    choices = read.choices if isinstance(read, WhenRefusal) else (read,)
    when = choices[0]
    if when.start > years_later(ctx.now, HORIZON_YEARS):
        raise UserError("An event can be at most {years} years ahead.", years=HORIZON_YEARS)
    event = Event(space_id=space.id, creator_id=ctx.member.id, title=title, location=where,
                  starts_at=when.start, ends_at=when.end, rrule=when.rrule, network=network, capacity=capacity,
                  status="pending", created_at=ctx.now)
    ctx.session.add(event)
    ctx.session.flush()
    lines = [ctx.t("New event at <b>{space}</b>: <b>{title}</b>", space=space.name, title=title)]
    if len(choices) > 1:
        return hour_question(ctx, event, space, choices, lines)
    lines += event_details(ctx.tr, event, space, when.start, show_zone=True)
    lines.append(ctx.t("Is this right? Nothing is announced until you confirm."))
    buttons = [[Button(str(ctx.t("✅ Confirm")), f"/confirm {event.id}"),
                Button(str(ctx.t("❌ Discard")), f"/confirm {event.id} no")]]
    return Reply(Markup("\n").join(lines), buttons)


def hour_question(ctx: Context, event: Event, space: Space, choices: tuple[When, ...], lines: list[Markup]) -> Reply:
    """"demain à 6h": the date in full, then one button per reading; pressing one confirms it."""
    tz = ZoneInfo(space.timezone)
    details = event_details(ctx.tr, event, space, event.starts_at, show_zone=True)
    times = [ctx.tr.time(choice.start, tz) for choice in choices]
    one_day = len({choice.start.astimezone(tz).date() for choice in choices}) == 1
    if one_day:
        lines.append(ctx.t("📅 {when} ({zone})", when=ctx.tr.date(event.starts_at, tz, "full"), zone=space.timezone))
    lines += details[1:]
    said = times if one_day else [ctx.tr.datetime(choice.start, tz) for choice in choices]
    lines.append(ctx.t("At {first} or at {second}? Press the time you mean; nothing is announced before.",
                       first=said[0], second=said[1]))
    wall = [choice.start.astimezone(tz).strftime("%H:%M") for choice in choices]
    buttons = [[Button(label, f"/confirm {event.id} {hhmm}") for label, hhmm in zip(times, wall)],
               [Button(str(ctx.t("❌ Discard")), f"/confirm {event.id} no")]]
    return Reply(Markup("\n").join(lines), buttons)


def retime(event: Event, tz: ZoneInfo, hour: int, minute: int, now: datetime) -> None:
    """Move a pending event to the reading chosen (the end moves with it)."""
    start = first_start_at(event.starts_at, event.rrule, hour, minute, tz, now)
    if event.ends_at is not None:
        event.ends_at = event.ends_at + (start - event.starts_at)
    event.starts_at = start


def confirm_event(ctx: Context, args: str) -> Reply:
    """/confirm ID [no|HH:MM]: schedule (announce, plan reminders) or discard a pending event.

    ``HH:MM`` is the answer to the bare-hour question ("06:00 or 18:00?"): that reading is scheduled.
    """
    raw, _, answer = args.strip().partition(" ")
    event_id = parse_id(raw)
    event = ctx.session.get(Event, event_id) if event_id else None
    if event is None or event.creator_id != ctx.member.id or event.status not in ("pending", "confirmed"):
        raise UserError("There is nothing to confirm with that number.")
    if event.status == "confirmed":
        raise UserError("Event #{id} is already confirmed.", id=event.id)
    space = ctx.session.get(Space, event.space_id)
    assert space is not None
    ctx.require_manager(space)
    if answer.strip().lower() in ("no", "n", "non", "nein", "ne", "όχι", "οχι"):
        event.status = "discarded"
        ctx.session.add(event)
        # A pressed ✅/❌ turns the question into its answer: its buttons go, a second press cannot happen.
        return Reply(ctx.t("Discarded: <b>{title}</b> was not created.", title=event.title), on_button="edit")
    tz = ZoneInfo(space.timezone)
    chosen = _CLOCK.fullmatch(answer.strip())
    if chosen:
        retime(event, tz, int(chosen.group(1)), int(chosen.group(2)), ctx.now)
    if next_occurrence(event, tz, ctx.now) is None:
        raise UserError("That time has passed in the meantime. Please create the event again.")
    event.status = "confirmed"
    ctx.session.add(event)
    ctx.session.flush()
    plan_event(ctx.session, event, tz, ctx.settings.reminder_offsets, ctx.now)
    chats = announce(ctx, event, space)
    return Reply(ctx.tn("Event #{id} <b>{title}</b> is scheduled and announced in {n} chat.",
                        "Event #{id} <b>{title}</b> is scheduled and announced in {n} chats.",
                        chats, id=event.id, title=event.title), on_button="edit")


def audience(ctx: Context, event: Event) -> list[tuple[ChatRef, Space]]:
    """The chats told about an event: its space's, or every space's for a network event."""
    links = linked_chats(ctx.session, None if event.network else [event.space_id])
    spaces = {s.id: s for s in ctx.session.exec(select(Space).where(col(Space.id).in_({l.space_id for l in links})))}
    return [(ChatRef(l.platform, l.chat_id), spaces[l.space_id]) for l in links]


def announce(ctx: Context, event: Event, space: Space) -> int:
    """Post the new event to its audience, each chat in its space's language (then kept live)."""
    chats = audience(ctx, event)
    for chat, chat_space in chats:
        tr = translator(chat_space.language, command_prefix(chat.platform, ctx.settings))
        ctx.post(chat, announcement(tr, chat.platform, event, space, chat_space, ctx.now), kind="event",
                 dedupe_key=f"event:{event.id}:announce:{chat.platform}:{chat.chat_id}", event_id=event.id)
    return len(chats)


def announcement(tr: Translator, platform: str, event: Event, space: Space, chat_space: Space, now: datetime,
                 counts: Counts = Counts()) -> Reply:
    """An event's announcement in a chat of ``chat_space``, with the answer counts (see :mod:`bot.announcements`)."""
    start = next_occurrence(event, ZoneInfo(space.timezone), now) or event.starts_at
    head = [tr.t("📣 New event at <b>{space}</b>: <b>{title}</b>", space=space.name, title=event.title)]
    head += event_details(tr, event, space, start, show_zone=chat_space.timezone != space.timezone)
    return announcement_reply(tr, platform, event, head, counts)


def list_events(ctx: Context, args: str) -> Reply:
    """/events: upcoming events of this space and network-wide ones, soonest first."""
    space = ctx.require_space()
    rows = ctx.session.exec(
        select(Event, Space).join(Space, col(Space.id) == Event.space_id)
        .where(Event.status == "confirmed", (Event.space_id == space.id) | col(Event.network))
    ).all()
    upcoming = []
    for event, event_space in rows:
        start = next_occurrence(event, ZoneInfo(event_space.timezone), ctx.now)
        if start is not None:
            upcoming.append((start, event, event_space))
    upcoming.sort(key=lambda item: (item[0], item[1].id))
    if not upcoming:
        return Reply(ctx.t("No upcoming events at <b>{space}</b>. A manager can create one with {p}event.",
                           space=space.name))
    home = ctx.session.get(Space, ctx.member.home_space_id) if ctx.member.home_space_id else None
    reader_zone = (home or space).timezone
    lines = [ctx.t("<b>Upcoming events at {space}</b>", space=space.name)]
    page = page_of(upcoming, split_page(args)[1])
    for start, event, event_space in page.items:
        going = going_count(ctx.session, event.id)
        if event.capacity:
            count = ctx.tn("{n} of {capacity} going", "{n} of {capacity} going", going, capacity=event.capacity)
        else:
            count = ctx.tn("{n} going", "{n} going", going)
        if event_space.id == space.id:
            head = ctx.t("<b>#{id} {title}</b> · {count}", id=event.id, title=event.title, count=count)
        else:
            head = ctx.t("<b>#{id} {title}</b> at {space} · {count}", id=event.id, title=event.title,
                         space=event_space.name, count=count)
        details = event_details(ctx.tr, event, event_space, start, show_zone=event_space.timezone != reader_zone)
        lines.append(Markup("\n").join([Markup(""), head, *details]))
    lines.append(ctx.t("Answer with {p}rsvp ID yes|maybe|no."))
    footer = page_footer(ctx.tr, page)
    return Reply(Markup("\n").join(lines + ([footer] if footer else [])), buttons=page_buttons(ctx.tr, page, "/events"))


def cancel_event(ctx: Context, args: str) -> Reply:
    """/cancel_event ID: attendees are told by DM, the chats are told, no reminder follows."""
    if not args.strip():
        raise UserError("Usage: {p}cancel_event ID")
    event = event_by_id(ctx, args)
    space = ctx.session.get(Space, event.space_id)
    assert space is not None
    ctx.require_manager(space)
    if event.status == "cancelled":
        raise UserError("<b>{title}</b> was cancelled.", title=event.title)
    event.status = "cancelled"
    ctx.session.add(event)
    skipped = 0
    for reminder in ctx.session.exec(select(Reminder).where(
            Reminder.event_id == event.id, col(Reminder.sent_at).is_(None), col(Reminder.skipped_at).is_(None))):
        reminder.skipped_at = ctx.now
        ctx.session.add(reminder)
        skipped += 1
    if skipped:  # counted once the cancellation is committed (a rolled-back one skipped nothing)
        sa_event.listen(ctx.session, "after_commit", lambda _: metrics.reminders_skipped("cancelled", skipped),
                        once=True)
    tz = ZoneInfo(space.timezone)
    start = next_occurrence(event, tz, ctx.now) or event.starts_at

    def notice(tr: Translator) -> Reply:
        return Reply(tr.t("❌ Cancelled: <b>{title}</b> at {space}, {when}.", title=event.title,
                          space=space.name, when=tr.datetime(start, tz)))

    attendees = ctx.session.exec(
        select(Member).join(Rsvp, col(Rsvp.member_id) == Member.id)
        .where(Rsvp.event_id == event.id, col(Rsvp.status).in_(("yes", "maybe", "waitlist")))
        .order_by(col(Member.id))
    ).all()
    for member in attendees:
        ctx.post_to_member(member, notice, kind="event", dedupe_key=f"event:{event.id}:cancel:dm:{member.id}",
                           about=space)
    for chat, chat_space in audience(ctx, event):
        tr = translator(chat_space.language, command_prefix(chat.platform, ctx.settings))
        ctx.post(chat, notice(tr), kind="event", dedupe_key=f"event:{event.id}:cancel:{chat.platform}:{chat.chat_id}")
    return Reply(ctx.tn("<b>{title}</b> is cancelled; {n} attendee was told.",
                        "<b>{title}</b> is cancelled; {n} attendees were told.", len(attendees), title=event.title))
