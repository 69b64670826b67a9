"""A broadcast wake-up for coroutines waiting on the emulated world.

Long polls (getUpdates) and test-side waits (``wait_for_sent``) both wait for
"something changed, check again"; one event that is replaced on every change
wakes all current waiters at once without any of them consuming the signal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Pulse:
    """Wakes every waiter each time something changes (new update, new sent message)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True
