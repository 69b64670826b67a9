"""Receiving Telegram updates: our own getUpdates loop, which resumes where the last run stopped.

PTB's Updater confirms an update to Telegram (the next getUpdates ``offset``)
as soon as it has fetched it, and keeps the offset in memory: updates fetched
but not yet handled when the process dies are lost, and nothing says where a
standby taking over should start. Here, between Telegram's queue and the
database, every update is held somewhere until it has been handled:

- before an offset confirms a batch to Telegram, the batch is saved in the
  database together with that offset (``SyncState`` rows, one transaction);
- each update's row is deleted right after the update was handled.

A restart, or a standby taking the leader lock, first handles the updates
saved and not handled, then calls getUpdates with the saved offset. So no
update is lost, and an update is handled twice only if the process died
between handling it and deleting its row: the one-update window (one per chat
being answered at that moment).

Updates of one chat are handled one after the other, in order; different
chats at the same time (at most ``concurrency``), so a group waiting a minute
for its send budget holds up nobody else, and polling never waits for them.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, TelegramError, TimedOut

from adapters.telegram_start import short_reason
from bot.health import Heartbeat
from storage.db import SessionFactory
from storage.state import delete_state, load_prefixed, load_state, save_states

# The operator reads these lines as the Telegram adapter's.
log = logging.getLogger("adapters.telegram")

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
RETRY_MAX = 30.0  # seconds between getUpdates attempts while Telegram does not answer
STOP_GRACE = 5.0  # seconds a stop waits for updates being handled before it cuts them off


class UpdateStore:
    """Where a bot's offset and its fetched, not yet handled updates are kept (per bot id)."""

    def __init__(self, sessions: SessionFactory, bot_id: int) -> None:
        self.sessions = sessions
        self.prefix = f"telegram:{bot_id}:"

    def _update_key(self, update_id: int) -> str:
        return f"{self.prefix}update:{update_id:015d}"  # zero-padded: key order is update order

    def offset(self) -> int | None:
        value = load_state(self.sessions, f"{self.prefix}offset")
        return int(value) if value is not None else None

    def pending(self) -> list[dict[str, Any]]:
        """Updates fetched by an earlier run and never handled, oldest first."""
        return [json.loads(value) for value in load_prefixed(self.sessions, f"{self.prefix}update:").values()]

    def fetched(self, updates: list[dict[str, Any]], offset: int) -> None:
        """Keep a batch and the offset that will confirm it to Telegram, before confirming it."""
        values = {self._update_key(u["update_id"]): json.dumps(u, ensure_ascii=False) for u in updates}
        values[f"{self.prefix}offset"] = str(offset)
        save_states(self.sessions, values)

    def handled(self, update_id: int) -> None:
        delete_state(self.sessions, self._update_key(update_id))


class UpdatePoller:
    """Long-polls getUpdates and hands each update to ``process``, in order within a chat."""

    def __init__(self, bot: Bot, process: Callable[[Update], Awaitable[None]], *,
                 store: UpdateStore | None, timeout: int = 10, concurrency: int = 32,
                 heartbeat: Heartbeat | None = None) -> None:
        self.bot = bot
        self.heartbeat = heartbeat or Heartbeat(timeout + 10.0)  # /readyz: when Telegram last answered
        self.process = process
        self.store = store  # None: nothing is kept (a bot without a database, in tests)
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[int, asyncio.Task[None]] = {}  # chat → its last update's task
        self._tasks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Handle what an earlier run left, then poll, in the background."""
        if self.store is not None:
            for data in self.store.pending():
                self._dispatch(data)
        self._task = asyncio.create_task(self._poll(self.store.offset() if self.store else None))

    async def stop(self) -> None:
        """Stop polling; give the updates being handled a moment, then cut them off (kept for next time)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _poll(self, offset: int | None) -> None:
        delay = 1.0
        while True:
            try:
                batch = await self.bot.get_updates(offset=offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES,
                                                   read_timeout=self.timeout + 10.0)
            except TimedOut:
                continue  # a long poll the network cut short: ask again
            except TelegramError as exc:
                what = "another instance is polling" if isinstance(exc, Conflict) else short_reason(exc)
                log.warning("telegram: getUpdates failed (%s), retrying", what)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            self.heartbeat.beat()
            delay = 1.0
            updates = [u.to_dict() for u in batch if offset is None or u.update_id >= offset]
            if not updates:
                continue
            next_offset = max(u["update_id"] for u in updates) + 1
            if self.store is not None:
                try:
                    self.store.fetched(updates, next_offset)
                except Exception:  # noqa: BLE001 - not kept, so not confirmed: Telegram sends them again
                    log.exception("telegram: could not keep the updates fetched; asking again")
                    await asyncio.sleep(delay)
                    continue
            offset = next_offset
            for data in updates:
                self._dispatch(data)

    def _dispatch(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.bot)
        chat = update.effective_chat.id if update.effective_chat else (
            update.effective_user.id if update.effective_user else 0)
        task = asyncio.create_task(self._handle(update, self._tails.get(chat)))
        self._tails[chat] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(chat, done))

    def _finished(self, chat: int, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(chat) is task:
            del self._tails[chat]

    async def _handle(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # the chat's update before this one, however it ended
        async with self._slots:
            try:
                await self.process(update)
            except Exception:  # noqa: BLE001 - one update's failure must not stop the others
                log.exception("telegram: error while handling an update")
        if self.store is not None:
            try:
                self.store.handled(update.update_id)
            except Exception:  # noqa: BLE001 - at worst it is handled once more after a restart
                log.exception("telegram: could not record an update as handled")
