"""getUpdates: how the bot receives what users do, when it polls.

Long polling is where most adapter bugs show (offsets, a second poller, a poll
cut short by shutdown), so its rules live in one place: an offset confirms
and drops older updates, a newer poll ends an older one with Telegram's 409
Conflict, a webhook refuses polling with another 409 (see the webhook module,
which pushes updates instead), and ``allowed_updates`` is remembered between calls.
"""

from __future__ import annotations

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.webhook import WebhookMethods


class UpdateMethods(WebhookMethods):
    """getUpdates (the webhook methods come with it)."""

    async def _get_updates(self, p: Params) -> list[JSON]:
        self._refuse_polling_while_webhook()
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.decoded("allowed_updates")
        if allowed is not None:
            self._allowed_updates = set(allowed) or None  # [] means "the default set"
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        mine = self._poll_generation
        self._updates_pulse.fire()  # an older long poll learns it was superseded
        await self._updates_pulse.wait_until(
            lambda: bool(self._updates) or self._closing or self._poll_generation != mine, timeout
        )
        self._refuse_polling_while_webhook()  # set while this poll waited
        if self._poll_generation != mine:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._updates[:limit]
