"""Which Matrix room is the direct chat with whom, kept across restarts.

The core addresses a direct chat by the user id, as on Telegram; Matrix needs
a room. A room is a direct chat when we were invited to it as one
(``is_direct``), when we opened it, or when our ``m.direct`` account data
lists it; never because of its size (an unnamed room of a coordinator and the
bot is a room to link, not a private chat). The map lives in the database (``DirectChat`` rows, keyed by the user's identity so
``/mydata`` shows it and ``/forgetme`` deletes it); new rooms are also added to
our ``m.direct`` account data, so the user's client shows them as direct chats.

The map is read once at start and kept in memory: only the leader instance
talks to Matrix, and a user's row deleted by ``/forgetme`` while we run only
means that the room we still know is used until the next start (where the
user's next message there writes the row again).
"""
from __future__ import annotations

import json
import logging
from urllib.parse import quote

import aiohttp
from nio import AsyncClient, RoomCreateError, RoomPreset

from bot.messages import DeliveryError
from storage.db import SessionFactory
from storage.direct_chats import load_direct_chats, save_direct_chat

log = logging.getLogger(__name__)


class DirectRooms:
    platform = "matrix"

    def __init__(self, client: AsyncClient, sessions: SessionFactory) -> None:
        self.client = client
        self.sessions = sessions
        self.by_user: dict[str, str] = load_direct_chats(sessions, self.platform)
        self.rooms: set[str] = set(self.by_user.values())
        #: Rooms our m.direct account data lists (what other devices of the account, or a client, marked).
        self.listed: set[str] = set()

    def is_direct_room(self, room_id: str) -> bool:
        return room_id in self.rooms or room_id in self.listed

    async def load_listed(self) -> None:
        """Read our m.direct account data (at start; later changes come with the sync)."""
        listed = await self.client.list_direct_rooms()
        self.take_account_data(getattr(listed, "rooms", None) or {})

    def take_account_data(self, content: dict[str, list[str]]) -> None:
        """The m.direct content: user id → their direct rooms."""
        self.listed = {room for rooms in content.values() if isinstance(rooms, list) for room in rooms}

    async def remember_invited(self, user_id: str, room_id: str) -> None:
        """A room ``user_id`` invited us to as a direct chat: theirs, and listed in our m.direct."""
        self.remember(user_id, room_id)
        if room_id not in self.listed:
            await self._mark_direct(user_id, room_id)

    def remember(self, user_id: str, room_id: str) -> None:
        """``room_id`` is (now) where we talk to ``user_id`` in private."""
        if self.by_user.get(user_id) == room_id:
            return
        save_direct_chat(self.sessions, self.platform, user_id, room_id)
        self.by_user[user_id] = room_id
        self.rooms.add(room_id)

    async def room_for(self, user_id: str) -> str:
        """The room we talk to ``user_id`` in: known, listed in m.direct, or a new one."""
        known = self.by_user.get(user_id)
        if known and known in self.client.rooms:
            return known
        listed = await self.client.list_direct_rooms()
        for room_id in getattr(listed, "rooms", {}).get(user_id, []):
            if room_id in self.client.rooms:
                self.remember(user_id, room_id)
                return str(room_id)
        created = await self.client.room_create(is_direct=True, invite=[user_id],
                                                preset=RoomPreset.trusted_private_chat)
        if isinstance(created, RoomCreateError):
            # An unknown user or a server that refuses: sending again will not help.
            raise DeliveryError(f"cannot open a direct chat: {created.message}",
                                permanent=created.status_code != "M_LIMIT_EXCEEDED")
        self.remember(user_id, created.room_id)
        await self._mark_direct(user_id, created.room_id)
        return str(created.room_id)

    async def _mark_direct(self, user_id: str, room_id: str) -> None:
        """Add the room to our m.direct account data (nio has a reader for it, not a writer)."""
        listed = await self.client.list_direct_rooms()
        rooms: dict[str, list[str]] = dict(getattr(listed, "rooms", {}) or {})
        rooms[user_id] = [*rooms.get(user_id, []), room_id]
        self.listed.add(room_id)
        path = f"/_matrix/client/v3/user/{quote(self.client.user_id, safe='')}/account_data/m.direct"
        headers = {"Authorization": f"Bearer {self.client.access_token}", "Content-Type": "application/json"}
        try:
            response = await self.client.send("PUT", path, json.dumps(rooms), headers)
            response.release()
        except aiohttp.ClientError as exc:
            log.warning("matrix: could not update m.direct: %s", exc)
