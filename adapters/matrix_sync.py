"""The pieces of the Matrix adapter's own sync loop that need no adapter state.

We sync ourselves rather than with nio's ``sync_forever`` (see
:mod:`adapters.matrix`); what nio's loop did for us between syncs, and how a
failed sync is waited out, is here.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nio import AsyncClient, RoomMemberEvent

from adapters.matrix_login import NETWORK_ERRORS, network_error
from bot.config import Settings

log = logging.getLogger("adapters.matrix")  # the adapter's own lines, under the name operators know

# Large enough that a timeline is not cut ("limited") after a normal downtime.
SYNC_FILTER = {"room": {"timeline": {"limit": 200}}}


class SyncFailed(Exception):
    """The homeserver answered a sync with an error (a 5xx while it restarts, typically)."""


async def keep_syncing(sync_once: Callable[[], Awaitable[None]], settings: Settings) -> None:
    """Sync until cancelled; a failure is waited out with a growing delay (at most a minute)."""
    failures = 0
    while True:
        try:
            await sync_once()
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a homeserver hiccup must not end the bot
            failures += 1
            delay = min(60, 2 ** failures)
            if isinstance(exc, (SyncFailed, *NETWORK_ERRORS)):  # the server's weather: one line, no traceback
                reason = exc if isinstance(exc, SyncFailed) else network_error(settings, exc).reason
                log.warning("matrix: sync failed (%s), retrying in %d s", reason, delay)
            else:
                log.exception("matrix: sync failed (%s in a row)", failures)
            await asyncio.sleep(delay)


async def crypto_housekeeping(client: AsyncClient) -> None:
    """What nio's sync_forever does between syncs for end-to-end encryption."""
    await client.send_to_device_messages()
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())


def since_joined(events: list[Any], user_id: str) -> list[Any]:
    """Drop the history a room shows when we have just joined it: it was not said to us.

    What was said after we were invited counts (someone who opens a direct
    chat and types at once expects an answer once we are in).
    """
    def ours(event: Any, membership: str) -> bool:
        return isinstance(event, RoomMemberEvent) and event.state_key == user_id and event.membership == membership

    for index in range(len(events) - 1, -1, -1):
        if ours(events[index], "join") and events[index].prev_membership != "join":
            invited = [i for i in range(index) if ours(events[i], "invite")]
            return events[invited[-1] + 1:] if invited else events[index + 1:]
    return events
