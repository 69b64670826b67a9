"""The persistent outbox: every message to another chat is a row before it is sent.

Handlers enqueue in their own transaction (so a rolled-back command sends
nothing). :class:`DeliveryWorker` sends due rows through the adapters, marks
each one sent right after the platform accepted it, honours ``RetryAfter`` and
retries transient errors with exponential backoff. After a restart, pending
rows are simply due again; sent ones are never picked up.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.messages import Adapter, Attachment, Button, ChatRef, DeliveryError, Reply, RetryAfter
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=2)


def enqueue(session: Session, chat: ChatRef, reply: Reply, *, kind: str = "message",
            batch_id: int | None = None, dedupe_key: str | None = None,
            not_before: datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox within the caller's transaction."""
    row = OutboxMessage(
        platform=chat.platform,
        chat_id=chat.chat_id,
        is_direct=chat.is_direct,
        text=reply.text,
        buttons=[[{"label": b.label, "command": b.command} for b in row] for row in reply.buttons],
        file_name=reply.file.name if reply.file else None,
        file_data=reply.file.data if reply.file else None,
        kind=kind,
        batch_id=batch_id,
        dedupe_key=dedupe_key,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(row)
    return row


def as_reply(row: OutboxMessage) -> Reply:
    """The reply a stored row stands for."""
    buttons = [[Button(b["label"], b["command"]) for b in line] for line in row.buttons]
    file = Attachment(row.file_name, row.file_data or b"") if row.file_name else None
    return Reply(text=row.text, buttons=buttons, file=file)


class DeliveryWorker:
    """Sends due outbox rows through the running adapters."""

    def __init__(self, sessions: SessionFactory, adapters: Mapping[str, Adapter],
                 clock: Callable[[], datetime] = utcnow, batch_size: int = 50) -> None:
        self.sessions = sessions
        self.adapters = adapters
        self.clock = clock
        self.batch_size = batch_size
        self.wakeup = asyncio.Event()

    def due(self, session: Session) -> list[OutboxMessage]:
        """Pending rows whose time has come, oldest first, for platforms we run."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .where(OutboxMessage.next_attempt_at <= self.clock())
            .where(OutboxMessage.platform.in_(list(self.adapters)))  # type: ignore[attr-defined]
            .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            .limit(self.batch_size)
        )
        return list(session.exec(query))

    async def deliver_due(self) -> int:
        """Send what is due now; returns how many rows were sent."""
        sent = 0
        with self.sessions() as session:
            for row in self.due(session):
                if await self._deliver(session, row):
                    sent += 1
        return sent

    async def _deliver(self, session: Session, row: OutboxMessage) -> bool:
        adapter = self.adapters[row.platform]
        chat = ChatRef(row.platform, row.chat_id, row.is_direct)
        row.attempts += 1
        try:
            await adapter.send(chat, as_reply(row))
        except RetryAfter as exc:
            row.attempts -= 1  # being asked to wait is not a failed attempt
            row.next_attempt_at = self.clock() + timedelta(seconds=exc.seconds)
            row.last_error = exc.reason[:500]
        except DeliveryError as exc:
            self._failed(row, exc.reason, permanent=exc.permanent)
        except Exception as exc:  # noqa: BLE001 - a platform bug must not stop the worker
            log.exception("outbox row %s: unexpected error", row.id)
            self._failed(row, type(exc).__name__, permanent=False)
        else:
            row.status = "sent"
            row.sent_at = self.clock()
            row.last_error = None
        session.add(row)
        session.commit()
        return row.status == "sent"

    def _failed(self, row: OutboxMessage, reason: str, *, permanent: bool) -> None:
        row.last_error = reason[:500]
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            log.warning("outbox row %s failed for good: %s", row.id, reason)
        else:
            row.next_attempt_at = self.clock() + BACKOFF_BASE * (2 ** (row.attempts - 1))

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Deliver forever: on wakeup (new rows) or every ``poll_seconds``."""
        while True:
            try:
                while await self.deliver_due():
                    pass
            except Exception:  # noqa: BLE001 - keep delivering after a database hiccup
                log.exception("outbox delivery round failed")
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout=poll_seconds)
            except asyncio.TimeoutError:
                pass
            self.wakeup.clear()
