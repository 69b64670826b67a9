"""How the bot answers a command on Matrix: as a reply to it, in its thread, naming its sender.

In a busy room an answer that is just another message leaves everyone
guessing whose error it is. So an answer carries ``m.in_reply_to`` the
command's event, stays in the command's thread when it came from one
(``rel_type: m.thread`` with ``is_falling_back`` for clients without
threads), and mentions the sender: ``m.mentions`` (what notifies, by
intention rather than by matching the body) and, in a shared room, a pill
before the text so every reader sees whom it is for.

A reply that could not be sent at once goes to the outbox, which stores only
its text and buttons. The relation is kept beside it (a ``SyncState`` note
keyed by a digest of the chat and text) and put back when the outbox sends
it; once sent, the note is deleted. The note holds no personal data (only
the command's event and thread ids): who sent the command is read back from
the homeserver at send time, so a note left behind by a reply that never went
out (its member was forgotten) names nobody.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from bot.messages import ChatRef, Reply
from storage.db import SessionFactory
from storage.state import delete_state, load_json, save_json


@dataclass(frozen=True)
class Origin:
    """The command a reply answers: its event, its thread, who sent it."""

    event_id: str
    user_id: str
    name: str
    thread_root: str | None = None
    #: A shared room: the answer starts with a pill naming the sender (not needed in a direct chat).
    in_room: bool = True

    @classmethod
    def of(cls, source: dict[str, Any], name: str, in_room: bool) -> Origin:
        """From the command event as the homeserver sent it."""
        relates = (source.get("content") or {}).get("m.relates_to") or {}
        root = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
        return cls(source["event_id"], source["sender"], name or source["sender"], root, in_room)


def user_link(user_id: str) -> str:
    return f"https://matrix.to/#/{quote(user_id, safe='@:')}"


def in_thread(content: dict[str, Any], origin: Origin | None) -> dict[str, Any]:
    """The content, in the command's thread if it came from one (a file sent with an answer)."""
    if origin is None or origin.thread_root is None:
        return content
    relates = {"rel_type": "m.thread", "event_id": origin.thread_root, "is_falling_back": True,
               "m.in_reply_to": {"event_id": origin.event_id}}
    return {**content, "m.relates_to": relates}


def addressed(content: dict[str, Any], origin: Origin | None) -> dict[str, Any]:
    """The content as an answer to ``origin``: a reply, in its thread, mentioning its sender."""
    if origin is None:
        return content
    content = in_thread(content, origin)
    if origin.thread_root is None:
        content = {**content, "m.relates_to": {"m.in_reply_to": {"event_id": origin.event_id}}}
    content["m.mentions"] = {"user_ids": [origin.user_id]}
    if origin.in_room:
        pill = f'<a href="{escape(user_link(origin.user_id))}">{escape(origin.name)}</a>'
        content["body"] = f"{origin.name}: {content.get('body', '')}"
        if "formatted_body" in content:
            content["formatted_body"] = f"{pill}: {content['formatted_body']}"
    return content


class DeferredOrigins:
    """The origins of answers handed to the outbox, found again when it sends them."""

    def __init__(self, sessions: SessionFactory, key_prefix: str) -> None:
        self.sessions = sessions
        self.key_prefix = key_prefix

    def _key(self, chat: ChatRef, reply: Reply) -> str:
        digest = hashlib.sha256(f"{chat.chat_id}\n{reply.text}".encode()).hexdigest()[:32]
        return f"{self.key_prefix}deferred:{digest}"

    def remember(self, chat: ChatRef, reply: Reply, origin: Origin | None) -> None:
        if origin is not None:
            save_json(self.sessions, self._key(chat, reply), {
                "event_id": origin.event_id, "thread_root": origin.thread_root, "in_room": origin.in_room})

    async def find(self, client: Any, room_id: str, chat: ChatRef, reply: Reply) -> Origin | None:
        """The origin of an outbox row's reply, if it was a deferred answer (its sender asked of
        the homeserver; None when the command can no longer be read: the reply goes plain)."""
        if reply.key is None:  # only outbox rows carry a key
            return None
        saved = load_json(self.sessions, self._key(chat, reply))
        if not saved:
            return None
        try:
            event = await client.room_get_event(room_id, saved["event_id"])
            sender = event.event.sender
        except Exception:  # noqa: BLE001 - an error answer has no .event: the reply goes plain
            return None
        room = client.rooms.get(room_id)
        name = (room.user_name(sender) if room is not None else None) or sender
        return Origin(saved["event_id"], sender, name, saved.get("thread_root"), saved.get("in_room", True))

    def sent(self, chat: ChatRef, reply: Reply) -> None:
        delete_state(self.sessions, self._key(chat, reply))
