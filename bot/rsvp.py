"""Answers to events: /rsvp, capacity and the waitlist.

Over capacity a "yes" joins the waitlist, first come first served (ordered by
when the answer was given). When a "yes" turns into anything else its seat
goes to the first waiter at once, in the same transaction, and they are told
by DM: a seat never sits empty while someone waits for it.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlmodel import Session, col, func, select

from bot.context import Context, UserError, direct_chat, reader_translator
from bot.i18n import Translator
from bot.messages import Button, Reply
from bot.sanitize import parse_id
from bot.reminders import next_occurrence
from storage.db import lock_row
from storage.models import Event, Member, Rsvp, Space

# The answer words people type in the network's languages (buttons send yes/maybe/no).
_WORDS = {
    "yes": "yes y oui si sì sí ja da ναι",
    "maybe": "maybe peut-être peut-etre forse quizás quizas ίσως vielleicht možda mogoče morda",
    "no": "no n non nein ne όχι οχι",
    "withdraw": "withdraw",  # no answer any more (a Matrix reaction taken back)
}
ANSWER_WORDS = {word: answer for answer, words in _WORDS.items() for word in words.split()}


def rsvp_buttons(tr: Translator, event_id: int) -> list[list[Button]]:
    """👍 🤔 👎 buttons; the emoji come first because Matrix maps reactions to them."""
    return [[
        Button(str(tr.t("👍 Going")), f"/rsvp {event_id} yes"),
        Button(str(tr.t("🤔 Maybe")), f"/rsvp {event_id} maybe"),
        Button(str(tr.t("👎 Not going")), f"/rsvp {event_id} no"),
    ]]


def rsvp_hint(tr: Translator, platform: str, event_id: int) -> Markup:
    """The announcement's last line. Matrix has no buttons: there the answers are reactions (the bot adds them)."""
    if platform == "matrix":
        return tr.t("Coming? React with 👍, 🤔 or 👎, or send {p}rsvp {id} yes|maybe|no.", id=event_id)
    return tr.t("Coming? Press a button or send {p}rsvp {id} yes|maybe|no.", id=event_id)


def event_by_id(ctx: Context, text: str) -> Event:
    """The event a user named by its number, or a clear error.

    Pending and discarded events are hidden, and so are those the member cannot
    reach (:func:`can_reach`): with the very answer a bad id gets, so that the
    answer does not tell another space's events exist.
    """
    event_id = parse_id(text)
    event = ctx.session.get(Event, event_id) if event_id else None
    if event is None or event.status not in ("confirmed", "cancelled") or not can_reach(ctx, event):
        raise UserError("There is no event #{id}. See {p}events.", id=text.strip().lstrip("#")[:20] or "?")
    return event


def can_reach(ctx: Context, event: Event) -> bool:
    """Network events, and those of the chat's space, the member's home space and the spaces they manage."""
    if event.network or event.space_id == ctx.member.home_space_id:
        return True
    if ctx.chat_space is not None and event.space_id == ctx.chat_space.id:
        return True
    return ctx.is_manager_of(event.space_id)


def going_count(session: Session, event_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event_id, Rsvp.status == "yes")
    ).one()


def waitlist(session: Session, event_id: int) -> list[Rsvp]:
    """Waiting answers, first come first served."""
    return list(session.exec(
        select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.status == "waitlist")
        .order_by(col(Rsvp.updated_at), col(Rsvp.id))
    ))


def rsvp(ctx: Context, args: str) -> Reply:
    """/rsvp ID [yes|no|maybe] (yes when omitted)"""
    event_text, _, answer_text = args.strip().partition(" ")
    if not event_text:
        raise UserError("Usage: {p}rsvp ID yes|no|maybe")
    event = event_by_id(ctx, event_text)
    lock_row(ctx.session, Event, event.id)  # seats are counted and taken one answer at a time
    ctx.session.refresh(event)
    answer = ANSWER_WORDS.get(answer_text.strip().lower() or "yes")
    if answer is None:
        raise UserError("Answer yes, no or maybe, e.g. {p}rsvp {id} yes.", id=event.id)
    if event.status == "cancelled":
        raise UserError("<b>{title}</b> was cancelled.", title=event.title)
    space = ctx.session.get(Space, event.space_id)
    assert space is not None
    tz = ZoneInfo(space.timezone)
    if not event.rrule and event.starts_at <= ctx.now:
        raise UserError("<b>{title}</b> has already started.", title=event.title)
    row = ctx.session.exec(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == ctx.member.id)).first()
    old = row.status if row else None
    if answer == "withdraw":
        if row is not None:
            ctx.session.delete(row)
            ctx.session.flush()
            if old == "yes":
                promote_first_waiter(ctx, event, tz)
        return Reply(ctx.t("Your answer to <b>{title}</b> is withdrawn.", title=event.title))
    new = answer
    if answer == "yes" and old in ("yes", "waitlist"):
        new = old  # asking again keeps one's seat or place in line
    elif answer == "yes" and event.capacity is not None and going_count(ctx.session, event.id) >= event.capacity:
        new = "waitlist"
    if row is None:
        row = Rsvp(event_id=event.id, member_id=ctx.member.id, status=new, updated_at=ctx.now)
    elif new != old:
        row.status, row.updated_at = new, ctx.now
    ctx.session.add(row)
    ctx.session.flush()
    if old == "yes" and new != "yes":
        promote_first_waiter(ctx, event, tz)
    when = ctx.tr.datetime(_shown_start(event, tz, ctx), tz)
    if new == "waitlist":
        position = [r.id for r in waitlist(ctx.session, event.id)].index(row.id) + 1
        return Reply(ctx.tn("<b>{title}</b> is full ({n} place). You are on the waitlist, "
                            "number {position}; I will tell you if a place opens up.",
                            "<b>{title}</b> is full ({n} places). You are on the waitlist, "
                            "number {position}; I will tell you if a place opens up.",
                            event.capacity or 0, title=event.title, position=position))
    if new == "yes":
        return Reply(ctx.t("👍 You are going to <b>{title}</b>, {when}.", title=event.title, when=when))
    if new == "maybe":
        return Reply(ctx.t("🤔 Noted: maybe for <b>{title}</b>, {when}.", title=event.title, when=when))
    return Reply(ctx.t("👎 Noted: you are not going to <b>{title}</b>.", title=event.title))


def promote_first_waiter(ctx: Context, event: Event, tz: ZoneInfo) -> None:
    """Give a freed place to the first waiter, if there is room, and tell them by DM."""
    if event.capacity is None or going_count(ctx.session, event.id) >= event.capacity:
        return
    waiting = waitlist(ctx.session, event.id)
    if not waiting:
        return
    first = waiting[0]
    first.status, first.updated_at = "yes", ctx.now
    ctx.session.add(first)
    member = ctx.session.get(Member, first.member_id)
    if member is None:
        return
    space = ctx.session.get(Space, event.space_id)
    assert space is not None
    tr = reader_translator(ctx.session, ctx.settings, member, space)
    when = tr.datetime(_shown_start(event, tz, ctx), tz)
    ctx.post(direct_chat(member), Reply(tr.t("🎉 A place opened up: you are now going to <b>{title}</b>, {when}.",
                                             title=event.title, when=when)), kind="waitlist", recipient=member)


def _shown_start(event: Event, tz: ZoneInfo, ctx: Context) -> datetime:
    """The start people care about: the next occurrence of a recurring event."""
    return next_occurrence(event, tz, ctx.now) or event.starts_at
