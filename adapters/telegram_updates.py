"""What polling and the webhook share: updates kept in the database until handled, and handled in chat order.

However an update arrives (fetched by :mod:`adapters.telegram_polling`,
pushed to :mod:`adapters.telegram_webhook`), it is first kept in the
database (``SyncState`` rows, through :class:`UpdateStore`), and only then
confirmed to Telegram (the next getUpdates ``offset``, or the webhook's 200).
Each update's row is deleted right after the update was handled. A restart, or
a standby taking the leader lock, first handles the updates kept and not
handled (:meth:`UpdateDispatcher.resume`), so no update is lost, and one is
handled twice only if the process died between handling it and deleting its
row: the one-update window (one per chat being answered at that moment).

Updates of one chat are handled one after the other, in order; different
chats at the same time (at most ``concurrency``), so a group waiting a minute
for its send budget holds up nobody else, and receiving never waits for them.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update

from storage.db import SessionFactory
from storage.state import delete_state, load_prefixed, load_state, save_state, save_states

# The operator reads these lines as the Telegram adapter's.
log = logging.getLogger("adapters.telegram")

#: The update types the bot asks for, by getUpdates and by setWebhook alike.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
STOP_GRACE = 5.0  # seconds a stop waits for updates being handled before it cuts them off


class UpdateStore:
    """Where a bot's offset and its received, not yet handled updates are kept (per bot id)."""

    def __init__(self, sessions: SessionFactory, bot_id: int) -> None:
        self.sessions = sessions
        self.prefix = f"telegram:{bot_id}:"

    def _update_key(self, update_id: int) -> str:
        return f"{self.prefix}update:{update_id:015d}"  # zero-padded: key order is update order

    def offset(self) -> int | None:
        value = load_state(self.sessions, f"{self.prefix}offset")
        return int(value) if value is not None else None

    def pending(self) -> list[dict[str, Any]]:
        """Updates received by an earlier run and never handled, oldest first."""
        return [json.loads(value) for value in load_prefixed(self.sessions, f"{self.prefix}update:").values()]

    def fetched(self, updates: list[dict[str, Any]], offset: int) -> None:
        """Keep a polled batch and the offset that will confirm it to Telegram, before confirming it."""
        values = {self._update_key(u["update_id"]): json.dumps(u, ensure_ascii=False) for u in updates}
        values[f"{self.prefix}offset"] = str(offset)
        save_states(self.sessions, values)

    def pushed(self, update: dict[str, Any]) -> bool:
        """Keep an update pushed to the webhook, before answering 200; False: it is kept already (a re-send).

        Blocking (the database): call it in a thread.
        """
        key = self._update_key(update["update_id"])
        if load_state(self.sessions, key) is not None:
            return False
        save_state(self.sessions, key, json.dumps(update, ensure_ascii=False))
        return True

    def handled(self, update_id: int) -> None:
        delete_state(self.sessions, self._update_key(update_id))


def parsed(data: dict[str, Any], bot: Bot) -> Update:
    """The update PTB reads from Telegram's JSON (left as it was); ValueError if it cannot read it."""
    try:
        return Update.de_json(copy.deepcopy(data), bot)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"not an update: {type(exc).__name__}") from None


class UpdateDispatcher:
    """Hands each update to ``process``, in order within a chat, and forgets it in the store once handled."""

    def __init__(self, bot: Bot, process: Callable[[Update], Awaitable[None]], *,
                 store: UpdateStore | None, concurrency: int = 32, grace: float = STOP_GRACE) -> None:
        self.bot = bot
        self.process = process
        self.store = store  # None: nothing is kept (a bot without a database, in tests)
        self.grace = grace
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[int, asyncio.Task[None]] = {}  # chat → its last update's task
        self._tasks: set[asyncio.Task[None]] = set()

    def resume(self) -> None:
        """Handle what an earlier run kept and did not handle (before anything new arrives)."""
        if self.store is not None:
            for data in self.store.pending():
                self.dispatch(data)

    async def stop(self) -> None:
        """Give the updates being handled a moment, then cut them off (they stay kept for the next start)."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self.grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def dispatch(self, data: dict[str, Any]) -> None:
        """Handle an update (already kept) in the background, after the ones of its chat before it."""
        try:
            update = parsed(data, self.bot)
        except ValueError:  # kept by an older version, say: handling it again would fail again
            log.warning("telegram: update %s cannot be read; dropped", data.get("update_id"))
            if self.store is not None:
                self.store.handled(data["update_id"])
            return
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
                await asyncio.to_thread(self.store.handled, update.update_id)  # database work off the loop
            except Exception:  # noqa: BLE001 - at worst it is handled once more after a restart
                log.exception("telegram: could not record an update as handled")
