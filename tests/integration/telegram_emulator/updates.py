"""getUpdates and the webhook methods: how the bot receives what users do.

Long polling is where most adapter bugs show (offsets, a second poller, a poll
cut short by shutdown), so its rules live in one place: an offset confirms
and drops older updates, a newer poll ends an older one with Telegram's 409
Conflict, and ``allowed_updates`` is remembered between calls.
"""

from __future__ import annotations

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.state import EmulatorState


class UpdateMethods(EmulatorState):
    """getUpdates, deleteWebhook and getWebhookInfo."""

    async def _get_updates(self, p: Params) -> list[JSON]:
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
        if self._poll_generation != mine:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._updates[:limit]

    def _delete_webhook(self, p: Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, p: Params) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
