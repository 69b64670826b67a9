"""Network broadcasts: ``/broadcast [country:XX] [space:SLUG] TEXT`` and their delivery report.

A broadcast is one :class:`~storage.models.Broadcast` row plus one outbox row
per linked chat (``kind="broadcast"``, ``batch_id`` = the broadcast's id), all
in the command's transaction: either every chat will get it or none. When no
row of the batch is pending any more, :func:`report_finished` tells the
coordinator, in the chat the broadcast came from, where it was delivered and
why it failed elsewhere (e.g. the bot was removed from a group).
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.context import Context, UserError, command_prefix
from bot.i18n import N_, Translator, is_valid_country, translator
from bot.members import display
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue, outbox_values
from bot.spaces import linked_chats, space_by_slug
from storage.bulk import insert_rows
from storage.db import SessionFactory
from storage.models import Broadcast, ChatLink, OutboxMessage, Space
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.scheduler import JobWorld

log = logging.getLogger(__name__)

KIND = "broadcast"
TEXT_MAX = 3500  # leaves room for the heading within one Telegram message
REPORT_FAILURES_SHOWN = 30
NOT_RUNNING = "platform not running"
_FILTER = re.compile(r"^(country|space):(\S+)$", re.IGNORECASE)
_REASONS = (  # what a platform's error says → what the coordinator reads
    (("blocked",), N_("the bot was blocked")),
    (("kicked", "removed", "not a member", "forbidden", "m_forbidden"), N_("the bot was removed from the chat")),
    (("chat not found", "unknown room", "m_not_found"), N_("the chat no longer exists")),
    ((NOT_RUNNING,), N_("that platform is not running")),
)


def parse_filters(args: str) -> tuple[dict[str, list[str]], str]:
    """Leading ``country:XX`` / ``space:SLUG`` words, then the text (kept as typed)."""
    filters: dict[str, list[str]] = {"country": [], "space": []}
    rest = args.strip()
    while rest:
        word = rest.split(maxsplit=1)[0]
        match = _FILTER.match(word)
        if not match:
            break
        filters[match.group(1).lower()].append(match.group(2))
        rest = rest[len(word):].strip()
    return filters, rest


def broadcast_command(ctx: Context, args: str) -> Reply:
    """/broadcast [country:XX] [space:SLUG] TEXT: queue TEXT for every matching linked chat."""
    filters, text = parse_filters(args)
    if not text:
        raise UserError(N_("Usage: {p}broadcast [country:XX] [space:SLUG] TEXT"))
    if len(text) > TEXT_MAX:
        raise UserError(N_("A broadcast is limited to {limit} characters (yours has {length})."), limit=TEXT_MAX, length=len(text))
    query = select(Space)
    if filters["country"]:
        for code in filters["country"]:
            if not is_valid_country(code):
                raise UserError(N_("{country} is not a two-letter country code (e.g. FR, IT, HR)."), country=code)
        query = query.where(col(Space.country).in_([c.upper() for c in filters["country"]]))
    if filters["space"]:
        query = query.where(col(Space.id).in_([space_by_slug(ctx.session, s).id for s in filters["space"]]))
    spaces = {space.id: space for space in ctx.session.exec(query)}
    links = linked_chats(ctx.session, list(spaces)) if spaces else []
    if not links:
        raise UserError(N_("No linked chat matches this broadcast; nothing was sent."))
    chat = ctx.message.chat
    broadcast = Broadcast(
        sender_id=ctx.member.id, text=text, created_at=ctx.now,
        filters=" ".join(f"{key}:{value}" for key, values in filters.items() for value in values)[:200],
        origin_platform=chat.platform, origin_chat_id=chat.chat_id, origin_is_direct=chat.is_direct,
        origin_language=ctx.lang,
    )
    ctx.session.add(broadcast)
    ctx.session.flush()
    sender = display(ctx.member)

    def rows() -> Iterator[dict[str, Any]]:
        for link in links:
            tr = translator(spaces[link.space_id].language, command_prefix(link.platform, ctx.settings))
            body = Markup("{}\n{}").format(tr.t("📢 <b>Network announcement</b> from {name}:", name=sender), text)
            chat = ChatRef(link.platform, link.chat_id)
            ctx.outbox.append(chat)
            yield outbox_values(chat, Reply(body), kind=KIND, batch_id=broadcast.id, not_before=ctx.now,
                                dedupe_key=f"broadcast:{broadcast.id}:{link.platform}:{link.chat_id}",
                                author_id=ctx.member.id)

    # A bulk INSERT, not one ORM object per chat: hundreds of objects would hold the worker
    # thread's GIL long enough to stall the event loop (tests/perf/web.py).
    insert_rows(ctx.session.connection(), OutboxMessage.__table__, rows())  # type: ignore[attr-defined]
    return Reply(ctx.tn("Broadcast #{id} is on its way to {n} chat. I will report here when it is delivered.",
                        "Broadcast #{id} is on its way to {n} chats. I will report here when it is delivered.",
                        len(links), id=broadcast.id))


def report_finished(sessions: SessionFactory, settings: Settings, running: Collection[str],
                    clock: Callable[[], datetime] = utcnow) -> int:
    """Queue the report of every broadcast with no row left pending; returns how many.

    Rows for a platform that is not running would wait forever: they count as
    failed, with that reason. The report's dedupe key makes it go out once
    even if two runs overlap.
    """
    reported = 0
    with sessions() as session:
        for broadcast in session.exec(select(Broadcast).where(col(Broadcast.reported_at).is_(None))):
            # While a platform still sends, one small query says so: the rows are read once, at the end.
            sending = session.exec(select(OutboxMessage.platform).distinct().where(
                OutboxMessage.batch_id == broadcast.id, OutboxMessage.kind == KIND,
                OutboxMessage.status == "pending", col(OutboxMessage.platform).in_(list(running)))).first()
            if sending is not None:
                continue
            rows = list(session.exec(select(OutboxMessage).where(
                OutboxMessage.batch_id == broadcast.id, OutboxMessage.kind == KIND)))
            pending = [row for row in rows if row.status == "pending"]
            for row in pending:
                row.status, row.last_error = "failed", NOT_RUNNING
                session.add(row)
            tr = translator(broadcast.origin_language, command_prefix(broadcast.origin_platform, settings))
            origin = ChatRef(broadcast.origin_platform, broadcast.origin_chat_id, broadcast.origin_is_direct)
            enqueue(session, origin, Reply(_report(session, tr, broadcast, rows)), kind="broadcast_report",
                    dedupe_key=f"broadcast-report:{broadcast.id}", not_before=clock(),
                    author_id=broadcast.sender_id, recipient_id=broadcast.sender_id if origin.is_direct else None)
            broadcast.reported_at = clock()
            session.add(broadcast)
            reported += 1
            delivered = sum(1 for row in rows if row.status == "sent")
            log.info("broadcast %s finished: delivered to %d of %d chats", broadcast.id, delivered, len(rows))
        session.commit()
    return reported


def _report(session: Session, tr: Translator, broadcast: Broadcast, rows: list[OutboxMessage]) -> str:
    delivered = sum(1 for row in rows if row.status == "sent")
    failed = [row for row in rows if row.status != "sent"]
    lines = [tr.tn("<b>Broadcast #{id}</b>: delivered to {delivered} of {n} chat.",
                   "<b>Broadcast #{id}</b>: delivered to {delivered} of {n} chats.",
                   len(rows), id=broadcast.id, delivered=delivered)]
    if failed:
        lines.append(tr.tn("Not delivered to {n} chat:", "Not delivered to {n} chats:", len(failed)))
        names = _chat_names(session, failed)
        for row in failed[:REPORT_FAILURES_SHOWN]:
            lines.append(tr.t("• {chat} ({platform}): {reason}", chat=names.get((row.platform, row.chat_id), row.chat_id),
                              platform=row.platform.capitalize(), reason=_reason(tr, row.last_error or "")))
        if len(failed) > REPORT_FAILURES_SHOWN:
            more = len(failed) - REPORT_FAILURES_SHOWN
            lines.append(tr.tn("… and {n} more.", "… and {n} more.", more))
    return "\n".join(lines)


def _chat_names(session: Session, rows: list[OutboxMessage]) -> dict[tuple[str, str], str]:
    """The space each failed chat belongs to, as the coordinator knows it."""
    names = {}
    chat_ids = list({row.chat_id for row in rows})
    query = select(ChatLink, Space).join(Space, col(Space.id) == ChatLink.space_id)
    for link, space in session.exec(query.where(col(ChatLink.chat_id).in_(chat_ids))):
        names[(link.platform, link.chat_id)] = space.name
    return names


def _reason(tr: Translator, error: str) -> str:
    lowered = error.lower()
    for words, msgid in _REASONS:
        if any(word in lowered for word in words):
            return tr.t(msgid)
    return tr.t("delivery failed ({error})", error=error[:200])


def schedule_reports(runtime: "JobWorld") -> None:
    """Check every few seconds for finished broadcasts and send their reports."""

    async def job() -> None:  # the query in a thread, the wake-up in the loop (asyncio.Event is not thread-safe)
        if await asyncio.to_thread(report_finished, runtime.sessions, runtime.settings, list(runtime.worker.adapters)):
            runtime.worker.wakeup.set()

    runtime.scheduler.every("broadcast-reports", 5, job)
