"""A small Matrix client for tests, on raw aiohttp, and the errors it raises.

``MatrixTestUser`` plays the human side of a conversation with the bot;
``MatrixRequestError`` keeps the status, errcode and retry_after_ms of a failed
call so tests can assert on them; ``RegisteredUser`` is the set of credentials
a user is opened with. It talks only HTTP, so it knows nothing of how the
server process is run.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

JsonDict = dict[str, Any]
EventPredicate = Callable[[JsonDict], bool]


class MatrixRequestError(RuntimeError):
    """A Matrix API call failed; keeps errcode and retry_after_ms for assertions."""

    def __init__(self, status: int, body: JsonDict, what: str) -> None:
        self.status = status
        self.body = body
        self.errcode: str | None = body.get("errcode")
        self.retry_after_ms: int | None = body.get("retry_after_ms")
        super().__init__(f"{what} -> HTTP {status}: {body}")


async def json_or_raise(resp: aiohttp.ClientResponse, what: str) -> JsonDict:
    """The JSON body of a response, or MatrixRequestError if the status is 4xx/5xx."""
    body = await resp.json(content_type=None)
    if resp.status >= 400:
        raise MatrixRequestError(resp.status, body if isinstance(body, dict) else {}, what)
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class RegisteredUser:
    """Credentials returned by shared-secret registration."""

    user_id: str
    access_token: str
    device_id: str
    password: str


# A large timeline limit so an incremental sync never comes back "limited" with gaps.
_SYNC_FILTER = json.dumps({"room": {"timeline": {"limit": 200}}})


class MatrixTestUser:
    """A minimal client playing the human side of a conversation with the bot.

    Built on raw HTTP rather than nio so that a bug in how the adapter uses nio
    cannot hide behind the same bug in the test client. Every event seen by
    sync is queued per room; the ``wait_for_*`` methods take the first queued
    event that matches, so nothing that arrives between two waits is lost.
    Joining a room queues its recent history too, as a person would see it
    (a bot's welcome sent before the join is still found).
    Create it with ``await MatrixTestUser.open(...)`` inside a running loop.
    """

    def __init__(self, base_url: str, user: RegisteredUser) -> None:
        self.base_url = base_url
        self.user = user
        self._http = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {user.access_token}"}
        )
        self._since: str | None = None
        self._pending: dict[str, list[JsonDict]] = {}
        self._invites: list[str] = []

    @classmethod
    async def open(cls, base_url: str, user: RegisteredUser) -> MatrixTestUser:
        """Create the client and take a sync token, so history is not replayed."""
        client = cls(base_url, user)
        await client.sync()
        return client

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> MatrixTestUser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def request(
        self, method: str, path: str, body: JsonDict | None = None,
        params: dict[str, str] | None = None, timeout: float = 30.0,
    ) -> JsonDict:
        """Call ``/_matrix/client/v3{path}``; raises MatrixRequestError, never retries."""
        url = f"{self.base_url}/_matrix/client/v3{path}"
        async with self._http.request(
            method, url, json=body, params=params,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            return await json_or_raise(resp, f"{method} {path}")

    async def create_room(
        self, name: str | None = None, invite: list[str] | tuple[str, ...] = (),
        is_direct: bool = False, encrypted: bool = False,
    ) -> str:
        body: JsonDict = {
            "invite": list(invite), "is_direct": is_direct,
            "preset": "trusted_private_chat" if is_direct else "private_chat",
        }
        if name is not None:
            body["name"] = name
        if encrypted:
            body["initial_state"] = [{"type": "m.room.encryption", "state_key": "",
                                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
        return str((await self.request("POST", "/createRoom", body))["room_id"])

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.request("POST", f"/rooms/{quote(room_id, safe='')}/invite",
                           {"user_id": user_id})

    async def join(self, room_id: str) -> str:
        return str((await self.request("POST", f"/join/{quote(room_id, safe='')}", {}))["room_id"])

    async def send_event(self, room_id: str, event_type: str, content: JsonDict) -> str:
        path = f"/rooms/{quote(room_id, safe='')}/send/{event_type}/{secrets.token_hex(8)}"
        return str((await self.request("PUT", path, content))["event_id"])

    async def send_text(self, room_id: str, body: str) -> str:
        return await self.send_event(room_id, "m.room.message", {"msgtype": "m.text", "body": body})

    async def send_notice(self, room_id: str, body: str) -> str:
        return await self.send_event(
            room_id, "m.room.message", {"msgtype": "m.notice", "body": body})

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return await self.send_event(room_id, "m.reaction", {"m.relates_to": relates})

    async def redact(self, room_id: str, event_id: str) -> str:
        """Take an event back (a reaction, a message); returns the redaction's event id."""
        path = f"/rooms/{quote(room_id, safe='')}/redact/{quote(event_id, safe='')}/{secrets.token_hex(8)}"
        return str((await self.request("PUT", path, {}))["event_id"])

    async def display_name(self, user_id: str) -> str | None:
        body = await self.request("GET", f"/profile/{quote(user_id, safe='')}")
        return body.get("displayname")

    async def set_power_level(self, room_id: str, user_id: str, level: int) -> None:
        path = f"/rooms/{quote(room_id, safe='')}/state/m.room.power_levels/"
        content = await self.request("GET", path)
        content.setdefault("users", {})[user_id] = level
        await self.request("PUT", path, content)

    async def download(self, mxc: str) -> bytes:
        """A file's bytes exactly as the homeserver's media store serves them (authenticated media)."""
        server, media_id = mxc.removeprefix("mxc://").split("/", 1)
        url = f"{self.base_url}/_matrix/client/v1/media/download/{server}/{quote(media_id, safe='')}"
        async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as resp:
            if resp.status >= 400:
                await json_or_raise(resp, f"GET {url}")
            return await resp.read()

    async def messages(self, room_id: str, limit: int = 100) -> list[JsonDict]:
        """The latest ``limit`` timeline events of the room, oldest first."""
        body = await self.request("GET", f"/rooms/{quote(room_id, safe='')}/messages",
                                  params={"dir": "b", "limit": str(limit)})
        return list(reversed(body.get("chunk", [])))

    async def sync(self, timeout_ms: int = 0) -> None:
        """One sync round; queues new timeline events and invites."""
        params = {"timeout": str(timeout_ms), "filter": _SYNC_FILTER}
        if self._since is not None:
            params["since"] = self._since
        first = self._since is None
        body = await self.request("GET", "/sync", params=params, timeout=timeout_ms / 1000 + 30)
        self._since = body["next_batch"]
        rooms = body.get("rooms", {})
        for room_id in rooms.get("invite", {}):
            if room_id not in self._invites:
                self._invites.append(room_id)
        if first:
            return  # the initial sync is history, not news
        for room_id, room in rooms.get("join", {}).items():
            queue = self._pending.setdefault(room_id, [])
            for event in room.get("timeline", {}).get("events", []):
                queue.append({**event, "room_id": room_id})

    async def _wait(self, take: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = take()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.user_id}: no {what} within {timeout}s")
            await self.sync(timeout_ms=int(min(remaining, 5.0) * 1000))

    async def wait_for_event(
        self, room_id: str, predicate: EventPredicate, timeout: float = 10.0
    ) -> JsonDict:
        """Return (and dequeue) the first new event in the room matching ``predicate``."""
        def take() -> JsonDict | None:
            queue = self._pending.get(room_id, [])
            for i, event in enumerate(queue):
                if predicate(event):
                    return queue.pop(i)
            return None

        try:
            return await self._wait(take, timeout, f"matching event in {room_id}")
        except TimeoutError as exc:
            seen = [(e.get("type"), e.get("sender"), e.get("content", {}).get("body"))
                    for e in self._pending.get(room_id, [])]
            raise TimeoutError(f"{exc}; unmatched events queued: {seen}") from None

    async def wait_for_message(
        self, room_id: str, predicate: EventPredicate | None = None, timeout: float = 10.0
    ) -> JsonDict:
        """Wait for an m.room.message from someone else, optionally matching ``predicate``."""
        def matches(event: JsonDict) -> bool:
            return (event.get("type") == "m.room.message" and event.get("sender") != self.user_id
                    and (predicate is None or predicate(event)))

        return await self.wait_for_event(room_id, matches, timeout)

    async def wait_for_invite(self, timeout: float = 10.0) -> str:
        """Wait until someone invites this user to a room; returns its id."""
        return str(await self._wait(
            lambda: self._invites.pop(0) if self._invites else None, timeout, "invite"))
