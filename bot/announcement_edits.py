"""Announcements kept live: each answer (and a cancellation) edits every message that shows the event.

``/rsvp``, ``/cancel_event`` and ``/forgetme`` (whose answers go with the
member) run here: the command itself (:mod:`bot.rsvp`, :mod:`bot.events`,
:mod:`bot.privacy`), then, in the same transaction, the new version of each
announcement of the event is queued in the outbox (one pending edit per
message, rewritten by the next answer, see :mod:`bot.posted`), each in its
chat's language. An announcement not sent yet is rewritten instead, so it
goes out with the counts of the moment.

An answer given with a button is shown by the edited announcement, so it
needs no message of its own: the reply is a short notice for the presser
(Telegram's toast; see :attr:`bot.messages.Reply.on_button`).
"""
from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from bot.announcements import Counts, answer_counts
from bot.context import Context, command_prefix
from bot.events import announcement, cancel_event
from bot.i18n import translator
from bot.messages import Reply
from bot.posted import queue_edits, stored_buttons
from bot.privacy import forgetme
from bot.rsvp import rsvp
from bot.sanitize import parse_id
from storage.models import ChatLink, Event, Member, OutboxMessage, PostedMessage, Rsvp, Space


def rsvp_command(ctx: Context, args: str) -> Reply:
    """/rsvp ID [yes|no|maybe]: answer, then show the new counts on every announcement."""
    event_id = parse_id(args.strip().partition(" ")[0])
    before = answer_counts(ctx.session, event_id) if event_id else Counts()
    reply = rsvp(ctx, args)
    reply.on_button = "notice"
    event = ctx.session.get(Event, event_id) if event_id else None
    if event is not None and answer_counts(ctx.session, event.id) != before:
        refresh_announcements(ctx, event)
    return reply


def cancel_command(ctx: Context, args: str) -> Reply:
    """/cancel_event ID: cancel, then mark every announcement cancelled (no buttons left to press)."""
    reply = cancel_event(ctx, args)
    event_id = parse_id(args)
    event = ctx.session.get(Event, event_id) if event_id else None
    if event is not None:
        refresh_announcements(ctx, event)
    return reply


def forget_command(ctx: Context, args: str) -> Reply:
    """/forgetme: their answers go with the member, so the counts of the events they answered change too."""
    answered = list(ctx.session.exec(select(Rsvp.event_id).where(Rsvp.member_id == ctx.member.id)))
    member_id = ctx.member.id
    reply = forgetme(ctx, args)
    if answered and ctx.session.get(Member, member_id) is None:
        for event in ctx.session.exec(select(Event).where(col(Event.id).in_(answered))):
            refresh_announcements(ctx, event)
    return reply


def refresh_announcements(ctx: Context, event: Event) -> int:
    """Queue the new version of every announcement of ``event``; returns how many messages it reaches."""
    assert event.id is not None
    space = ctx.session.get(Space, event.space_id)
    assert space is not None
    posted = list(ctx.session.exec(select(PostedMessage).where(PostedMessage.event_id == event.id)
                                   .order_by(col(PostedMessage.id))))
    unsent = list(ctx.session.exec(select(OutboxMessage).where(
        OutboxMessage.event_id == event.id, OutboxMessage.status == "pending",
        col(OutboxMessage.edit_message_id).is_(None))))
    chats = {(m.platform, m.chat_id) for m in posted} | {(r.platform, r.chat_id) for r in unsent}
    spaces = _chat_spaces(ctx, chats)
    counts = answer_counts(ctx.session, event.id)
    rendered: dict[tuple[str, str, bool], tuple[str, list]] = {}

    def version(platform: str, chat_id: str) -> tuple[str, list]:
        chat_space = spaces.get((platform, chat_id), space)  # an unlinked chat: the event's own space
        key = (chat_space.language, platform, chat_space.timezone != space.timezone)
        if key not in rendered:
            tr = translator(chat_space.language, command_prefix(platform, ctx.settings))
            reply = announcement(tr, platform, event, space, chat_space, ctx.now, counts)
            rendered[key] = (str(reply.text), stored_buttons(reply.buttons))
        return rendered[key]

    queue_edits(ctx.session, event.id, [(m, *version(m.platform, m.chat_id)) for m in posted], ctx.now)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    for row in unsent:
        text, buttons = version(row.platform, row.chat_id)
        ctx.session.execute(update(table).where(table.c.id == row.id, table.c.status == "pending")
                            .values(text=text, buttons=buttons))
    if posted or unsent:
        ctx.outbox.append(event.id)  # wakes the delivery worker after the commit
    return len(posted) + len(unsent)


def _chat_spaces(ctx: Context, chats: set[tuple[str, str]]) -> dict[tuple[str, str], Space]:
    """The space each chat is linked to (its language and time zone), for the chats that still are."""
    if not chats:
        return {}
    rows = ctx.session.exec(select(ChatLink, Space).join(Space, col(Space.id) == ChatLink.space_id)
                            .where(col(ChatLink.chat_id).in_({chat_id for _, chat_id in chats}))).all()
    return {(link.platform, link.chat_id): chat_space for link, chat_space in rows
            if (link.platform, link.chat_id) in chats}
