"""Receiving Telegram updates by polling: our own getUpdates loop, which resumes where the last run stopped.

PTB's Updater confirms an update to Telegram (the next getUpdates ``offset``)
as soon as it has fetched it, and keeps the offset in memory: updates fetched
but not yet handled when the process dies are lost, and nothing says where a
standby taking over should start. Here, before an offset confirms a batch to
Telegram, the batch is saved in the database together with that offset, and
handed to the :class:`~adapters.telegram_updates.UpdateDispatcher`, which
keeps the webhook's updates the same way (see :mod:`adapters.telegram_updates`).

Telegram refuses getUpdates (409 Conflict) while a webhook is set, so a bot
switched back from webhook mode deletes the webhook first; the updates waiting
at Telegram are kept (``drop_pending_updates`` is never set).
"""
from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import Conflict, TelegramError, TimedOut

from adapters.telegram_start import short_reason
from adapters.telegram_updates import ALLOWED_UPDATES, UpdateDispatcher, UpdateStore
from bot.health import Heartbeat

# The operator reads these lines as the Telegram adapter's.
log = logging.getLogger("adapters.telegram")

RETRY_MAX = 30.0  # seconds between getUpdates attempts while Telegram does not answer


class UpdatePoller:
    """Long-polls getUpdates, keeps each batch, and hands each update to the dispatcher."""

    def __init__(self, bot: Bot, dispatcher: UpdateDispatcher, *, store: UpdateStore | None, timeout: int = 10,
                 heartbeat: Heartbeat | None = None) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.heartbeat = heartbeat or Heartbeat(timeout + 10.0)  # /readyz: when Telegram last answered
        self.store = store  # None: nothing is kept (a bot without a database, in tests)
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Delete a webhook left by webhook mode (Telegram refuses getUpdates while one is set), then poll."""
        info = await self.bot.get_webhook_info()
        if info.url:
            await self.bot.delete_webhook(drop_pending_updates=False)
            log.info("telegram: webhook deleted, polling instead (%d updates waiting)", info.pending_update_count)
        self._task = asyncio.create_task(self._poll(self.store.offset() if self.store else None))

    async def stop(self) -> None:
        """Stop polling (the dispatcher's updates being handled are the adapter's to stop)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

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
                if isinstance(exc, Conflict) and "webhook" in exc.message.lower():
                    what = "a webhook was set meanwhile"
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
                    await asyncio.to_thread(self.store.fetched, updates, next_offset)  # off the loop
                except Exception:  # noqa: BLE001 - not kept, so not confirmed: Telegram sends them again
                    log.exception("telegram: could not keep the updates fetched; asking again")
                    await asyncio.sleep(delay)
                    continue
            offset = next_offset
            for data in updates:
                self.dispatcher.dispatch(data)
