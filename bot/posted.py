"""The delivery worker's side of messages edited in place (announcements with live counts).

An outbox row with ``edit_message_id`` edits that platform message instead of
sending a new one; a row with ``event_id`` and no ``edit_message_id`` is an
announcement, recorded as a :class:`PostedMessage` once the platform took it,
so that each answer to the event can edit it (see :mod:`bot.announcement_edits`).

A pending edit row is rewritten by each answer rather than joined by another
(a burst of answers makes a few edits). So a row may change while the worker
is sending it: it is marked sent only if its text is still the one that went
out; otherwise it stays pending and goes again at once, with the new text. A
message that can no longer be edited (deleted, bot removed) is forgotten, so
later answers queue nothing for it.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, select

from bot.messages import Adapter, Button, ChatRef, Reply, SentRef
from storage.db import lock_row
from storage.models import Event, OutboxMessage, PostedMessage

log = logging.getLogger(__name__)

EDIT_KIND = "edit"


async def send_row(adapter: Adapter, chat: ChatRef, row: OutboxMessage, reply: Reply) -> SentRef | None:
    """Send a row, or edit the message it names; an adapter that cannot edit skips the edit."""
    if row.edit_message_id is None:
        return await adapter.send(chat, reply)
    edit = getattr(adapter, "edit", None)
    if edit is None:
        return None  # a platform without edits: the message keeps the counts it was posted with
    return await edit(SentRef(row.platform, row.chat_id, row.edit_message_id), reply)


def mark_sent(session: Session, row: OutboxMessage, sent: SentRef | None, values: dict[str, Any]) -> None:
    """Record a delivered row (``values``: the worker's "sent" columns), in the caller's transaction."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    if row.event_id is None:
        session.execute(update(table).where(table.c.id == row.id).values(**values))
        return
    # The event first, as an answer does (it locks the event, then rewrites this row): taking the
    # two in the other order let an answer and this commit deadlock on PostgreSQL.
    lock_row(session, Event, row.event_id)
    # The text that went out is the one read at claim time; an answer since then rewrote the row.
    done = session.execute(update(table).where(table.c.id == row.id, table.c.text == row.text).values(**values))
    if row.edit_message_id is not None:
        if not done.rowcount:
            session.execute(update(table).where(table.c.id == row.id, table.c.status == "pending")
                            .values(next_attempt_at=values["sent_at"]))
        return
    if not done.rowcount:  # an announcement whose counts changed while it went out: sent, then edited
        session.execute(update(table).where(table.c.id == row.id).values(**values))
    if sent is None or not sent.message_id:  # a platform without ids: nothing to edit later
        return
    posted = PostedMessage(event_id=row.event_id, platform=sent.platform, chat_id=sent.chat_id,
                           message_id=sent.message_id, created_at=values["sent_at"])
    session.add(posted)
    session.flush()
    if not done.rowcount:
        current = session.get(OutboxMessage, row.id)
        if current is not None:
            session.add(edit_row(posted, current.text, current.buttons, values["sent_at"]))


def forget_unreachable(session: Session, row: OutboxMessage) -> None:
    """An edit failed for good (message deleted, bot removed): stop editing that message."""
    if row.edit_message_id is None or row.event_id is None:
        return
    session.execute(delete(PostedMessage).where(
        PostedMessage.platform == row.platform, PostedMessage.chat_id == row.chat_id,  # type: ignore[arg-type]
        PostedMessage.message_id == row.edit_message_id))  # type: ignore[arg-type]
    log.info("outbox row %s: announcement of event %s can no longer be edited there", row.id, row.event_id)


def stored_buttons(buttons: list[list[Button]]) -> list[list[dict[str, str]]]:
    """Buttons as an outbox row stores them."""
    return [[{"label": b.label, "command": b.command} for b in line] for line in buttons]


def edit_row(posted: PostedMessage, text: str, buttons: list[Any], now: datetime) -> OutboxMessage:
    """A new pending row that edits ``posted`` to ``text`` and ``buttons`` (stored form)."""
    return OutboxMessage(platform=posted.platform, chat_id=posted.chat_id, is_direct=False, text=text,
                         buttons=buttons, kind=EDIT_KIND, event_id=posted.event_id,
                         edit_message_id=posted.message_id, status="pending", attempts=0,
                         next_attempt_at=now, created_at=now)


def queue_edits(session: Session, event_id: int, edits: list[tuple[PostedMessage, str, list[Any]]],
                now: datetime) -> None:
    """Edit each posted message to its (text, stored buttons): its pending edit row is rewritten, else one is added.

    One query finds the event's pending edit rows; rows with the same new text are
    rewritten by one statement, which re-checks that they are still pending and
    says which it changed: a row the worker marked sent meanwhile is followed by
    a new one rather than rewritten after the fact.
    """
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    pending = {(platform, chat_id, message_id): row_id for row_id, platform, chat_id, message_id in session.execute(
        select(table.c.id, table.c.platform, table.c.chat_id, table.c.edit_message_id).where(
            table.c.event_id == event_id, table.c.status == "pending", table.c.edit_message_id.is_not(None)))}
    by_content: dict[tuple[str, str], list[int]] = {}
    contents: dict[tuple[str, str], list[Any]] = {}
    for posted, text, buttons in edits:
        row_id = pending.get((posted.platform, posted.chat_id, posted.message_id))
        if row_id is not None:
            key = (text, repr(buttons))
            by_content.setdefault(key, []).append(row_id)
            contents[key] = buttons
    rewritten: set[int] = set()
    for (text, key), ids in by_content.items():
        rewritten |= set(session.scalars(
            update(table).where(table.c.id.in_(ids), table.c.status == "pending")
            .values(text=text, buttons=contents[(text, key)]).returning(table.c.id)))
    for posted, text, buttons in edits:
        if pending.get((posted.platform, posted.chat_id, posted.message_id)) not in rewritten:
            session.add(edit_row(posted, text, buttons, now))
