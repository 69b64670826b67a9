"""Self-service personal data: /mydata and /forgetme.

Both walk the tables' foreign keys to ``member.id`` instead of listing tables
by hand, so a table added later is exported and cleaned without anyone
remembering to come back here. Aggregates survive a /forgetme as anonymous
rows: check-ins, requests and introductions keep their counts (the member
column is set to NULL by the foreign key) but lose every piece of text.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Text, delete, or_, select, update
from sqlalchemy.sql.schema import Table
from sqlmodel import SQLModel

from bot.context import Context
from bot.messages import Attachment, Button, Reply
from storage.models import CheckIn, Member, NeedRequest, OutboxMessage

# Free text that belongs to the member even where the row itself is kept.
_PERSONAL_TEXT = {CheckIn.__table__.name: ("note",), NeedRequest.__table__.name: ("text",)}


def _member_columns() -> list[tuple[Table, str]]:
    """(table, column) pairs that point at ``member.id``."""
    pairs = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == Member.__table__.name for fk in column.foreign_keys):
                pairs.append((table, column.name))
    return pairs


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def personal_data(ctx: Context) -> dict[str, Any]:
    """Everything stored about the speaker, table by table."""
    member_table: Table = Member.__table__  # type: ignore[attr-defined]
    row = ctx.session.execute(select(member_table).where(member_table.c.id == ctx.member.id)).mappings().one()
    data: dict[str, Any] = {"member": {k: _jsonable(v) for k, v in row.items()}}
    for table, column in _member_columns():
        rows = ctx.session.execute(select(table).where(table.c[column] == ctx.member.id)).mappings().all()
        if rows:
            data.setdefault(table.name, []).extend({k: _jsonable(v) for k, v in r.items()} for r in rows)
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    messages = ctx.session.execute(
        select(outbox.c.created_at, outbox.c.text, outbox.c.status)
        .where(outbox.c.platform == ctx.member.platform, outbox.c.chat_id == ctx.member.user_id)
    ).mappings().all()
    if messages:
        data["messages_to_you"] = [{k: _jsonable(v) for k, v in m.items()} for m in messages]
    return data


def mydata(ctx: Context, args: str) -> Reply:
    """/mydata: a JSON file of everything stored about you."""
    payload = json.dumps(personal_data(ctx), ensure_ascii=False, indent=2, sort_keys=True).encode()
    return Reply(ctx.t("Here is everything I store about you."),
                 file=Attachment("mydata.json", payload, "application/json"))


def forgetme(ctx: Context, args: str) -> Reply:
    """/forgetme, then /forgetme confirm: delete personal data everywhere."""
    if args.strip().lower() != "confirm":
        return Reply(
            ctx.t("This deletes your profile, skills, check-in notes, requests' text, answers and introductions. "
                  "Anonymous counts stay in the statistics. It cannot be undone."),
            buttons=[[Button(ctx.t("Delete my data"), "/forgetme confirm")]],
        )
    forget_member(ctx)
    return Reply(ctx.t("Done: I have deleted your personal data. Goodbye, and thank you!"))


def forget_member(ctx: Context) -> None:
    """Delete the member; blank the text of rows kept for anonymous counts; drop messages naming them."""
    session, member = ctx.session, ctx.member
    checkins = CheckIn.__table__  # type: ignore[attr-defined]
    session.execute(update(checkins).where(checkins.c.member_id == member.id, CheckIn.open_at(ctx.now))
                    .values(ended_at=ctx.now))
    for table, column in _member_columns():
        blank = {name: "" for name in _PERSONAL_TEXT.get(table.name, ())}
        if blank:
            session.execute(update(table).where(table.c[column] == member.id).values(**blank))
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    names = {n for n in (member.display_name, member.handle, member.user_id) if n and len(n) >= 3}
    session.execute(delete(outbox).where(or_(
        (outbox.c.platform == member.platform) & (outbox.c.chat_id == member.user_id),
        *(outbox.c.text.contains(name) for name in names),
    )))
    session.delete(member)  # foreign keys cascade (personal rows) or set NULL (anonymous counts)
    session.flush()


def text_columns() -> list[tuple[Table, str]]:
    """Every string column of every table (used by tests that look for leftovers)."""
    return [(t, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns
            if isinstance(c.type, (String, Text))]
