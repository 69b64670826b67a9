"""What the Matrix adapter asks of a room's state: is it encrypted, is someone still its admin.

Kept apart from the adapter's sync loop and sending: these are questions put to
the homeserver (or to nio's synced copy of a room), each answered in a few lines.
"""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from nio import AsyncClient, RoomGetStateEventError

from bot.messages import DeliveryError

ADMIN_LEVEL = 50  # moderators and admins of a room manage the space it is linked to


async def room_state(client: AsyncClient, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any] | None:
    """A state event's content, asked of the homeserver; None when the room or event is not there for us."""
    response = await client.room_get_state_event(room_id, event_type, state_key)
    if isinstance(response, RoomGetStateEventError):
        if response.status_code in ("M_FORBIDDEN", "M_NOT_FOUND"):
            return None
        raise RuntimeError(f"matrix: cannot read {event_type} of {room_id}: {response.message}")
    return dict(response.content)


async def is_room_admin(client: AsyncClient, room_id: str, user_id: str) -> bool:
    """Does the user have power level >= 50 in the room now, and are they still in it?

    Asked of the homeserver's room state (not our sync's copy), so a change made
    a moment ago counts. A room we are no longer in answers no; a failure to get
    an answer raises.
    """
    levels = await room_state(client, room_id, "m.room.power_levels")
    if levels is None:
        return False
    level = (levels.get("users") or {}).get(user_id, levels.get("users_default", 0))
    if not isinstance(level, int) or level < ADMIN_LEVEL:
        return False
    member = await room_state(client, room_id, "m.room.member", user_id)
    return member is not None and member.get("membership") == "join"


async def is_encrypted(client: AsyncClient, room_id: str) -> bool:
    """From nio's synced room state; for a room not synced yet (just opened), asked of the homeserver.

    In doubt (the server gives another error) the answer is yes: a file is then
    encrypted needlessly, never posted in clear in a private room.
    """
    room = client.rooms.get(room_id)
    if room is not None:
        return bool(room.encrypted)
    try:
        state = await client.room_get_state_event(room_id, "m.room.encryption")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise DeliveryError(f"network: {type(exc).__name__}") from None
    if isinstance(state, RoomGetStateEventError):
        return state.status_code != "M_NOT_FOUND"
    return bool(state.content.get("algorithm"))
