"""Self-service personal data: /mydata and /forgetme, and how long messages are kept.

Both commands find a member's rows through the schema instead of a hand-kept
list: every foreign key to ``member.id`` (outbox rows name their author,
subject and recipient that way) and every table keyed by a platform identity
(``platform``, ``user_id``, e.g. the Matrix direct rooms). A table added later
is exported and cleaned without anyone remembering to come back here, and
nothing is ever found by searching text, which would hit other people's
messages that happen to contain the same word.

Aggregates survive a /forgetme as anonymous rows: check-ins, requests and
introductions keep their counts (the member column is set to NULL by the
foreign key) but lose every piece of text.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Text, TypeDecorator, and_, delete, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.schema import Table
from sqlmodel import SQLModel, col

from bot.context import Context, direct_chat
from bot.messages import Attachment, Button, Reply
from bot.scheduler import Scheduler
from bot.vocabulary import FREE_PREFIX
from storage.db import SessionFactory
from storage.models import Broadcast, CheckIn, Member, NeedRequest, OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

# Free text that belongs to the member even where the row itself is kept.
_PERSONAL_TEXT = {CheckIn.__table__.name: ("note",), NeedRequest.__table__.name: ("text",)}
RETENTION_CHECK_SECONDS = 24 * 3600


def member_columns() -> list[tuple[Table, str]]:
    """(table, column) pairs that point at ``member.id``."""
    pairs = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == Member.__table__.name for fk in column.foreign_keys):
                pairs.append((table, column.name))
    return pairs


def identity_tables() -> list[Table]:
    """Tables other than ``member`` whose rows belong to a platform identity (``platform``, ``user_id``)."""
    return [t for t in SQLModel.metadata.sorted_tables
            if t.name != Member.__table__.name and {"platform", "user_id"} <= set(t.columns.keys())]


def _outbox_of(member: Member) -> ColumnElement[bool]:
    """Outbox rows that concern ``member``: by the columns naming them, or sent to their direct chat."""
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    dm = direct_chat(member)
    return or_(outbox.c.author_id == member.id, outbox.c.subject_id == member.id,
               outbox.c.recipient_id == member.id,
               and_(outbox.c.is_direct.is_(True), outbox.c.platform == dm.platform, outbox.c.chat_id == dm.chat_id))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def personal_data(ctx: Context) -> dict[str, Any]:
    """Everything stored about the speaker, table by table."""
    member = ctx.member
    member_table: Table = Member.__table__  # type: ignore[attr-defined]
    row = ctx.session.execute(select(member_table).where(member_table.c.id == member.id)).mappings().one()
    data: dict[str, Any] = {"member": {k: _jsonable(v) for k, v in row.items()}}
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    queries = [(table, select(table).where(table.c[column] == member.id))
               for table, column in member_columns() if table is not outbox]
    queries.append((outbox, select(outbox).where(_outbox_of(member))))
    queries += [(table, select(table).where(table.c.platform == member.platform, table.c.user_id == member.user_id))
                for table in identity_tables()]
    for table, query in queries:
        seen = {r["id"] for r in data.get(table.name, [])}
        for found in ctx.session.execute(query.order_by(*table.primary_key.columns)).mappings():
            if found["id"] not in seen:  # a row may name the member in two columns
                data.setdefault(table.name, []).append(_exported(table, dict(found), member))
    return data


def _exported(table: Table, row: dict[str, Any], member: Member) -> dict[str, Any]:
    """A row as the member sees it: a message to someone else does not show whose chat it went to."""
    if table is OutboxMessage.__table__ and row["is_direct"] and row["recipient_id"] != member.id:
        row["chat_id"] = row["recipient_id"] = None
    return {k: _jsonable(v) for k, v in row.items()}


def _in_direct_chat(ctx: Context, reply: Reply, command: str) -> Reply:
    """Personal data never goes to a group: asked there, it goes to the member's direct chat."""
    if ctx.message.chat.is_direct:
        return reply
    ctx.post(direct_chat(ctx.member), reply, kind="private", recipient=ctx.member)
    return Reply("\n".join([ctx.t("I sent it to you in a direct chat."),
                            ctx.t("If nothing arrives, write to me in a direct chat and send {p}{command} there.",
                                  command=command)]))


def mydata(ctx: Context, args: str) -> Reply:
    """/mydata: a JSON file of everything stored about you (always in the direct chat)."""
    payload = json.dumps(personal_data(ctx), ensure_ascii=False, indent=2, sort_keys=True).encode()
    return _in_direct_chat(ctx, Reply(ctx.t("Here is everything I store about you."),
                                      file=Attachment("mydata.json", payload, "application/json")), "mydata")


def forgetme(ctx: Context, args: str) -> Reply:
    """/forgetme, then /forgetme confirm in the direct chat: delete personal data everywhere."""
    if args.strip().lower() != "confirm" or not ctx.message.chat.is_direct:
        return _in_direct_chat(ctx, Reply(
            ctx.t("This deletes your profile, skills, check-in notes, requests' text, answers and introductions. "
                  "Anonymous counts stay in the statistics. It cannot be undone."),
            buttons=[[Button(ctx.t("Delete my data"), "/forgetme confirm")]],
        ), "forgetme")
    forget_member(ctx)
    # Pressed, it replaces the question: its button goes, so it cannot be pressed again.
    return Reply(ctx.t("Done: I have deleted your personal data. Goodbye, and thank you!"), on_button="edit")


def forget_member(ctx: Context) -> None:
    """Delete the member and every row that is theirs; keep anonymous counts; touch no one else's row."""
    session, member = ctx.session, ctx.member
    checkins = CheckIn.__table__  # type: ignore[attr-defined]
    session.execute(update(checkins).where(checkins.c.member_id == member.id, CheckIn.open_at(ctx.now))
                    .values(ended_at=ctx.now))
    for table, column in member_columns():
        blank = {name: "" for name in _PERSONAL_TEXT.get(table.name, ())}
        if blank:
            session.execute(update(table).where(table.c[column] == member.id).values(**blank))
    for request in session.scalars(select(NeedRequest).where(NeedRequest.requester_id == member.id)):
        request.tags = [tag for tag in request.tags if not tag.startswith(FREE_PREFIX)]  # words they typed
        if request.status == "open":  # nobody is asked about it, no list shows it any more
            request.status, request.resolved_at = "withdrawn", ctx.now
    # Messages they wrote, that are about them or that go to them: pending or sent, by identity.
    session.execute(delete(OutboxMessage.__table__).where(_outbox_of(member)))  # type: ignore[attr-defined]
    session.execute(delete(Broadcast).where(col(Broadcast.sender_id) == member.id))  # their DM is its origin
    for table in identity_tables():
        session.execute(delete(table).where(table.c.platform == member.platform, table.c.user_id == member.user_id))
    session.delete(member)  # foreign keys cascade (personal rows) or set NULL (anonymous counts)
    session.flush()


def text_columns() -> list[tuple[Table, str]]:
    """Every column that can hold text (string, JSON, bytes) of every table (tests look for leftovers)."""
    def stored_as(column: Column[Any]) -> Any:  # SQLModel's AutoString wraps a String
        return column.type.impl if isinstance(column.type, TypeDecorator) else column.type

    return [(t, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns
            if isinstance(stored_as(c), (String, Text, JSON, LargeBinary))]


def delete_old_messages(sessions: SessionFactory, now: datetime, retention: timedelta) -> int:
    """Delete outbox rows sent (or failed for good) longer than ``retention`` ago; returns how many.

    A sent message is never sent again: keeping it longer would only keep
    other people's words and names around (data minimisation).
    """
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    cutoff = now - retention
    with sessions() as session:
        result = session.execute(delete(outbox).where(or_(
            and_(outbox.c.status == "sent", outbox.c.sent_at < cutoff),
            # a failed row's last attempt was due at next_attempt_at
            and_(outbox.c.status == "failed", outbox.c.next_attempt_at < cutoff),
        )))
        session.commit()
    return result.rowcount or 0


def schedule_retention(scheduler: Scheduler, sessions: SessionFactory, retention: timedelta) -> None:
    """Delete old outbox rows at start and then daily."""

    async def job() -> None:
        deleted = await asyncio.to_thread(delete_old_messages, sessions, utcnow(), retention)
        if deleted:
            log.info("outbox retention: deleted %d messages older than %s", deleted, retention)

    scheduler.every("outbox-retention", RETENTION_CHECK_SECONDS, job)
    scheduler.at("outbox-retention:start", utcnow(), job)
