"""Telegram's flood limits, as the emulator enforces them on sends.

Kept apart from the send methods because the limits are a clock-driven policy
with its own tests (exact ``retry_after`` values under a hand-moved clock),
while sending only asks "may this chat get a message now?" and records it.
Only the two documented limits exist: N sends per window overall, and N per
window per group chat (negative chat ids).

A 429 is a ban, as in Telegram: until the ``retry_after`` it announced has
passed, every send to that chat is refused again (with the time left, rounded
up), even when the window would already have room. A client that retries
early, or rounds the wait down, keeps getting 429s.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable


class FloodControl:
    """Telegram's sliding-window send limits: N per window overall and per group chat."""

    def __init__(
        self,
        global_limit: int,
        global_window: float,
        group_limit: int,
        group_window: float,
        clock: Callable[[], float],
    ) -> None:
        self.global_limit, self.global_window = global_limit, global_window
        self.group_limit, self.group_window = group_limit, group_window
        self._clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._banned_until: dict[int, float] = {}

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds until a send to chat_id is allowed (rounded up, >= 1), or None if it is now.

        A refusal bans the chat for the seconds it announced (see the module's docstring).
        """
        now = self._clock()
        banned = self._banned_until.get(chat_id, 0.0) - now
        if banned > 0:
            return max(1, math.ceil(banned))
        waits = [self._wait(self._global, self.global_limit, self.global_window, now)]
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            waits.append(self._wait(sent, self.group_limit, self.group_window, now))
        longest = max(waits)
        if longest <= 0:
            return None
        retry = max(1, math.ceil(longest))
        self._banned_until[chat_id] = now + retry
        return retry

    def record(self, chat_id: int) -> None:
        now = self._clock()
        self._global.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _wait(sent: deque[float], limit: int, window: float, now: float) -> float:
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) < limit:
            return 0.0
        return sent[len(sent) - limit] + window - now
