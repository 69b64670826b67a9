"""Telegram's flood limits, as the emulator enforces them on sends.

Kept apart from the send methods because the limits are a clock-driven policy
with its own tests (exact ``retry_after`` values under a hand-moved clock),
while sending only asks "may this chat get a message now?" and records it.
Only the two documented limits exist: N sends per window overall, and N per
window per group chat (negative chat ids).
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

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds until a send to chat_id is allowed (rounded up, >= 1), or None if it is now."""
        now = self._clock()
        waits = [self._wait(self._global, self.global_limit, self.global_window, now)]
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            waits.append(self._wait(sent, self.group_limit, self.group_window, now))
        longest = max(waits)
        return max(1, math.ceil(longest)) if longest > 0 else None

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
