"""The persistent outbox: every message to another chat is a row before it is sent.

Handlers enqueue in their own transaction (so a rolled-back command sends
nothing). :class:`DeliveryWorker` sends due rows through the adapters, marks
each one sent in its own commit right after the platform accepted it, honours
``RetryAfter`` and retries transient errors with exponential backoff. After a
restart, pending rows are simply due again; sent ones are never picked up.

The one window no design can close is "the platform accepted the message, the
process died before the commit": Telegram has no idempotency key, so such a row
is sent again. The commit follows the send immediately to keep it small.

Platform limits are kept by the adapter's :class:`~bot.pacer.SendPacer` (exposed as
``adapter.pacer``): the adapter waits for the overall budget on every send, and
the worker postpones rows of a chat that used up its own budget, so one busy
group never holds up the rest of a broadcast.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.messages import Adapter, Attachment, Button, ChatRef, DeliveryError, Reply, RetryAfter, Sender, SentRef
from bot.pacer import BULK, SendPacer
from bot.posted import forget_unreachable, mark_sent, send_row
from storage.db import SessionFactory
from storage.models import Member, OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: How long a claimed row is a worker's: longer than any send takes, short enough for a failover.
LEASE = timedelta(seconds=30)
#: Tries of one outcome's write when the database picks it as a deadlock's loser.
WRITE_ATTEMPTS = 4
BACKOFF_BASE = timedelta(seconds=2)


def outbox_values(chat: ChatRef, reply: Reply, *, kind: str = "message", batch_id: int | None = None,
                  dedupe_key: str | None = None, not_before: datetime | None = None,
                  author_id: int | None = None, subject_id: int | None = None,
                  recipient_id: int | None = None, event_id: int | None = None) -> dict[str, Any]:
    """The column values of an outbox row for ``reply`` to ``chat`` (also for bulk INSERTs).

    ``author_id`` (who wrote or caused it), ``subject_id`` (who it is about) and
    ``recipient_id`` (whose direct chat it goes to) are the members the row
    concerns: /mydata and /forgetme find it by them, never by its text.
    ``event_id``: the row announces that event (its message is then kept live, see :mod:`bot.posted`).
    """
    now = utcnow()
    return {
        "author_id": author_id,
        "subject_id": subject_id,
        "recipient_id": recipient_id,
        "platform": chat.platform,
        "chat_id": chat.chat_id,
        "is_direct": chat.is_direct,
        "text": reply.text,
        "buttons": [[{"label": b.label, "command": b.command} for b in line] for line in reply.buttons],
        "file_name": reply.file.name if reply.file else None,
        "file_data": reply.file.data if reply.file else None,
        "kind": kind,
        "batch_id": batch_id,
        "dedupe_key": dedupe_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": not_before or now,
        "event_id": event_id,
        "edit_message_id": None,
    }


def enqueue(session: Session, chat: ChatRef, reply: Reply, *, kind: str = "message",
            batch_id: int | None = None, dedupe_key: str | None = None,
            not_before: datetime | None = None, author_id: int | None = None,
            subject_id: int | None = None, recipient_id: int | None = None,
            event_id: int | None = None) -> OutboxMessage:
    """Add a message to the outbox within the caller's transaction (concerns: see :func:`outbox_values`)."""
    row = OutboxMessage(**outbox_values(chat, reply, kind=kind, batch_id=batch_id, dedupe_key=dedupe_key,
                                        not_before=not_before, author_id=author_id, subject_id=subject_id,
                                        recipient_id=recipient_id, event_id=event_id))
    session.add(row)
    return row


def store_for_retry(sessions: SessionFactory, chat: ChatRef, reply: Reply, sender: Sender | None = None,
                    error: DeliveryError | None = None) -> None:
    """A direct reply the platform refused for now: the outbox sends it later, so nothing is lost.

    The reply answers ``sender``'s command, so the row is theirs (its author,
    and its recipient in a direct chat). ``error`` is the refusal: a "retry
    after" is waited out before the first retry, and the parts the platform
    took before it are not sent again.
    """
    not_before = None
    if isinstance(error, RetryAfter):
        not_before = utcnow() + timedelta(seconds=error.seconds)
    with sessions() as session:
        member_id = None
        if sender is not None:
            member_id = session.exec(select(Member.id).where(
                Member.platform == sender.platform, Member.user_id == sender.user_id)).first()
        row = enqueue(session, chat, reply, kind="reply", author_id=member_id,
                      recipient_id=member_id if chat.is_direct else None)
        row.parts_sent = max(reply.parts_sent, error.parts_sent if error is not None else 0)
        if not_before is not None:
            row.next_attempt_at = not_before
        session.commit()


def as_reply(row: OutboxMessage) -> Reply:
    """The reply a stored row stands for."""
    buttons = [[Button(b["label"], b["command"]) for b in line] for line in row.buttons]
    file = Attachment(row.file_name, row.file_data or b"") if row.file_name else None
    # The row's id and creation time: stable across retries, never reused by a new database.
    key = f"{row.id}-{int(row.created_at.timestamp() * 1_000_000)}"
    return Reply(text=row.text, buttons=buttons, file=file, key=key, parts_sent=row.parts_sent)


class DeliveryWorker:
    """Sends due outbox rows through the running adapters.

    Each platform is a lane of its own (Matrix never waits for Telegram's
    budget); within a lane up to ``concurrency`` sends are in flight, at most
    one per chat, so a chat's messages keep their order.
    """

    def __init__(self, sessions: SessionFactory, adapters: Mapping[str, Adapter],
                 clock: Callable[[], datetime] = utcnow, batch_size: int = 50,
                 concurrency: int = 4) -> None:
        self.sessions = sessions
        self.adapters = adapters
        self.clock = clock
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.wakeup = asyncio.Event()
        # One round at a time: two overlapping rounds would both pick the same due rows.
        self._round = asyncio.Lock()
        self._closed = False

    def claim(self, session: Session, platform: str) -> list[OutboxMessage]:
        """Take the due pending rows of ``platform``, oldest first, for one lease.

        One statement marks them (their ``next_attempt_at`` moves a lease ahead)
        and returns them, and on PostgreSQL ``SKIP LOCKED`` passes over rows
        another worker is claiming: two workers never hold the same row. A
        worker that dies mid-send leaves its rows due again when the lease ends.
        """
        now = self.clock()
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.platform == platform)
            .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))  # type: ignore[union-attr]
            .values(next_attempt_at=now + LEASE)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        rows = sorted(session.scalars(claim).all(), key=lambda row: row.id or 0)
        session.commit()
        return rows

    async def deliver_due(self) -> int:
        """One round over every platform; returns how many rows were sent."""
        async with self._round:
            if self._closed:
                return 0
            counts = await asyncio.gather(*(self._deliver_lane(p) for p in list(self.adapters)))
            return sum(counts)

    async def close(self) -> None:
        """Send what is due now, then take no more rounds, so stopping never cuts a send in half."""
        while await self.deliver_due():
            pass
        async with self._round:
            self._closed = True

    def _claim(self, platform: str) -> list[OutboxMessage]:
        with self.sessions() as session:
            return self.claim(session, platform)

    async def _deliver_lane(self, platform: str) -> int:
        # Every database call of the worker runs in a thread: the loop keeps answering meanwhile.
        rows = await asyncio.to_thread(self._claim, platform)
        pacer: SendPacer | None = getattr(self.adapters[platform], "pacer", None)
        slots = asyncio.Semaphore(self.concurrency)
        busy: set[str] = set()
        tasks: list[asyncio.Task[bool]] = []
        for row in rows:
            chat = ChatRef(row.platform, row.chat_id, row.is_direct)
            if chat.chat_id in busy:
                await self._save(row.id, next_attempt_at=self.clock())  # due again next round, after the one before it
                continue
            wait = pacer.chat_wait(chat) if pacer else 0.0
            if wait > 0:
                await self._save(row.id, next_attempt_at=self.clock() + timedelta(seconds=wait))
                continue
            busy.add(chat.chat_id)
            await slots.acquire()
            tasks.append(asyncio.create_task(self._deliver(row, chat, slots, pacer)))
        return sum(await asyncio.gather(*tasks))

    async def _deliver(self, row: OutboxMessage, chat: ChatRef, slots: asyncio.Semaphore,
                       pacer: SendPacer | None) -> bool:
        BULK.set(True)  # this task's sends give way to members' replies (see SendPacer.acquire)
        try:
            sent = await send_row(self.adapters[row.platform], chat, row, as_reply(row))
        except RetryAfter as exc:  # being asked to wait is not a failed attempt
            if pacer:
                pacer.pause(chat, exc.seconds)
            await self._save(row.id, next_attempt_at=self.clock() + timedelta(seconds=exc.seconds),
                       last_error=exc.reason[:500], parts_sent=max(row.parts_sent, exc.parts_sent))
            return False
        except DeliveryError as exc:
            if exc.parts_sent > row.parts_sent:  # what went out before the failure never goes again
                await self._save(row.id, parts_sent=exc.parts_sent)
            await self._failed(row, exc.reason, permanent=exc.permanent)
            return False
        except Exception as exc:  # noqa: BLE001 - a platform bug must not stop the worker
            log.exception("outbox row %s: unexpected error", row.id)
            await self._failed(row, type(exc).__name__, permanent=False)
            return False
        finally:
            slots.release()
        # A sent row is never sent again, so its file (a /mydata export, a chart) is dropped at once.
        await asyncio.to_thread(self._mark_sent, row, sent)
        return True

    def _mark_sent(self, row: OutboxMessage, sent: SentRef | None) -> None:
        def write(session: Session) -> None:
            mark_sent(session, row, sent, {"status": "sent", "sent_at": self.clock(), "attempts": row.attempts + 1,
                                           "last_error": None, "file_data": None})
        self._in_transaction(write)

    def _in_transaction(self, write: Callable[[Session], None]) -> None:
        """``write`` and commit; run again if the database picked it as a deadlock or conflict's loser
        (a command in another thread or instance held what it needed). Blocking: call in a thread."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            with self.sessions() as session:
                try:
                    write(session)
                    session.commit()
                    return
                except OperationalError:
                    session.rollback()
                    if attempt == WRITE_ATTEMPTS:
                        raise
                    log.info("outbox write retried after a conflict (attempt %d)", attempt)

    async def _failed(self, row: OutboxMessage, reason: str, *, permanent: bool) -> None:
        attempts = row.attempts + 1
        if permanent or attempts >= MAX_ATTEMPTS:
            log.warning("outbox row %s failed for good: %s", row.id, reason)
            await self._save(row.id, status="failed", attempts=attempts, last_error=reason[:500], file_data=None)
            if permanent:
                await asyncio.to_thread(self._forget_unreachable, row)
        else:
            retry_at = self.clock() + BACKOFF_BASE * (2 ** (attempts - 1))
            await self._save(row.id, attempts=attempts, next_attempt_at=retry_at, last_error=reason[:500])

    def _forget_unreachable(self, row: OutboxMessage) -> None:
        self._in_transaction(lambda session: forget_unreachable(session, row))

    async def _save(self, row_id: int | None, **values: Any) -> None:
        """Write one row's outcome in its own commit, at once (a crash loses at most this row)."""
        await asyncio.to_thread(self._write, row_id, values)

    def _write(self, row_id: int | None, values: dict[str, Any]) -> None:
        self._in_transaction(lambda session: session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)))  # type: ignore[arg-type]

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
