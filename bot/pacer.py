"""Platform send limits: how many messages may go out, to whom, and in which order.

Each adapter owns a :class:`SendPacer` (exposed as ``adapter.pacer``) and
waits on it before every send: the overall budget per window (Telegram: 30 a
second), a per-chat budget for groups (20 a minute), and pauses after a
platform's "retry after". The delivery worker (:mod:`bot.outbox`) marks its
sends as bulk (:data:`BULK`), so a member's reply is served before them.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from bot.messages import ChatRef, DeliveryError

#: Set in the delivery worker's tasks: a send made there is bulk, and waits behind replies.
BULK: ContextVar[bool] = ContextVar("bulk_send", default=False)


class _Window:
    """Sliding-window send budget: at most ``limit`` sends in any ``seconds``.

    A send holds its slot while in flight and is then stamped with the time
    its answer came back. The platform saw the request before that, so two
    stamps ``seconds`` apart guarantee the platform also saw them at least
    ``seconds`` apart, whatever the network latency: no 429 by our own doing.
    """

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.done: deque[float] = deque()
        self.in_flight = 0

    def wait(self, now: float) -> float:
        while self.done and self.done[0] <= now - self.seconds:
            self.done.popleft()
        used = len(self.done) + self.in_flight
        if used < self.limit:
            return 0.0
        if self.in_flight >= self.limit or not self.done:
            return 0.005  # wait for an answer to come back
        return self.done[used - self.limit] + self.seconds - now


class SendPacer:
    """A platform's send limits: ``overall`` per window, and per group chat.

    ``per_chat`` applies to chats for which ``per_chat_applies(chat)`` is true
    (Telegram: groups, not direct chats).
    """

    def __init__(self, overall: tuple[int, float], per_chat: tuple[int, float] | None = None,
                 per_chat_applies: Callable[[ChatRef], bool] = lambda chat: not chat.is_direct,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.overall = _Window(*overall)
        self.per_chat_limit = per_chat
        self.per_chat_applies = per_chat_applies
        self.clock = clock
        self.chats: dict[str, _Window] = {}
        self.paused_until: dict[str, float] = {}
        self._closed = asyncio.Event()
        self._waiting: list[_Waiter] = []
        self._tickets = itertools.count()
        self._change: asyncio.Future[None] | None = None

    def close(self) -> None:
        """Shutting down: sends still waiting for a slot fail at once (the outbox keeps them)."""
        self._closed.set()
        self._notify()

    def _chat_window(self, chat: ChatRef) -> _Window | None:
        if self.per_chat_limit is None or not self.per_chat_applies(chat):
            return None
        return self.chats.setdefault(chat.chat_id, _Window(*self.per_chat_limit))

    def chat_wait(self, chat: ChatRef) -> float:
        """Seconds until ``chat``'s own budget allows a send (0 when it does now)."""
        now = self.clock()
        paused = max(0.0, self.paused_until.get(chat.chat_id, 0.0) - now)
        window = self._chat_window(chat)
        return max(paused, window.wait(now) if window else 0.0)

    def pause(self, chat: ChatRef, seconds: float) -> None:
        """The platform said "retry after": no send to ``chat`` before then."""
        self.paused_until[chat.chat_id] = self.clock() + seconds

    async def acquire(self, chat: ChatRef) -> Callable[[], None]:
        """Wait for a slot for ``chat``; call the returned function when the answer came back.

        Waiters are served in order, and a member's reply before any bulk send
        (a row of the outbox, see :data:`BULK`): while a reply can go, no bulk
        send takes its slot, so a reply waits for the next free slot at most,
        however long the broadcast. Every waiter is woken when a slot comes
        back (no sleep-and-retry race). The limits hold for both.
        """
        window = self._chat_window(chat)
        waiter = _Waiter(next(self._tickets), BULK.get(), chat, window)
        self._waiting.append(waiter)
        try:
            while True:
                if self._closed.is_set():
                    raise DeliveryError("shutting down")
                now = self.clock()
                delay = self._delay(waiter, now)
                if delay <= 0 and self._first_in_line(waiter, now):
                    break
                try:
                    await asyncio.wait_for(asyncio.shield(self._changed()), delay if delay > 0 else 0.05)
                except asyncio.TimeoutError:
                    pass
        finally:
            self._waiting.remove(waiter)
            self._notify()
        windows = [w for w in (self.overall, window) if w is not None]
        for w in windows:
            w.in_flight += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            stamp = self.clock()
            for w in windows:
                w.in_flight -= 1
                w.done.append(stamp)
            self._notify()

        return release

    def _delay(self, waiter: "_Waiter", now: float) -> float:
        """Seconds until the limits would let ``waiter`` send (0 or less: now)."""
        return max(self.overall.wait(now), waiter.window.wait(now) if waiter.window else 0.0,
                   self.paused_until.get(waiter.chat.chat_id, 0.0) - now)

    def _first_in_line(self, waiter: "_Waiter", now: float) -> bool:
        """No waiter that could send now comes before ``waiter`` (replies first, then by arrival)."""
        return not any(other is not waiter and (other.bulk, other.ticket) < (waiter.bulk, waiter.ticket)
                       and self._delay(other, now) <= 0 for other in self._waiting)

    def _changed(self) -> "asyncio.Future[None]":
        """Resolved at the next change a waiter may be waiting for."""
        if self._change is None or self._change.done():
            self._change = asyncio.get_running_loop().create_future()
        return self._change

    def _notify(self) -> None:
        """Wake every waiter to look again (a slot came back, a waiter left, shutting down)."""
        if self._change is not None and not self._change.done():
            self._change.set_result(None)


@dataclass
class _Waiter:
    ticket: int
    bulk: bool
    chat: ChatRef
    window: _Window | None
