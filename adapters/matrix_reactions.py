"""RSVP by reaction on Matrix: 👍 🤔 👎 on an announcement answer it; taking the reaction back withdraws.

Matrix has no buttons, so an announcement's RSVP buttons (labels starting
with 👍, 🤔 or 👎, see :func:`adapters.matrix_content.reaction_commands`)
become reactions. The bot reacts first with each, so a member only has to
click one, and remembers (``SyncState``) which command each emoji runs.

A member's answer is their latest reaction still standing: reacting runs its
command; redacting it runs the one before it if one still stands, or
withdraws the answer if none does; redacting a reaction that a later one had
already replaced changes nothing. So we remember each reaction (its
announcement and emoji) and, per announcement and member, the reactions that
stand, in order; a member is named in these keys by a digest of their id
only. The bot's own reactions are never recorded, so a redaction of them
(by a moderator tidying up) is ignored; a moderator who takes down someone
else's reaction changes no answer: only the member who reacted can.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from adapters.matrix_content import REACTION_KEYS, normalize_reaction
from adapters.matrix_send import SendEvent
from bot.messages import DeliveryError
from storage.db import SessionFactory
from storage.state import delete_state, load_json, save_json

log = logging.getLogger(__name__)

def annotation(event_id: str, key: str) -> dict[str, Any]:
    """An ``m.reaction`` content: ``key`` on ``event_id``."""
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


def reaction_of(event: Any) -> tuple[str, str] | None:
    """(announcement event id, emoji) of a reaction event, as nio parsed it or left it unknown."""
    if hasattr(event, "reacts_to") and hasattr(event, "key"):
        return event.reacts_to, event.key
    relates = event.source.get("content", {}).get("m.relates_to", {})
    if getattr(event, "type", "") != "m.reaction" or relates.get("rel_type") != "m.annotation":
        return None
    return relates.get("event_id", ""), relates.get("key", "")


def withdraw_command(command: str) -> str | None:
    """``/rsvp 3 yes`` → ``/rsvp 3 withdraw``: what taking every reaction back runs."""
    words = command.split()
    return f"/rsvp {words[1]} withdraw" if len(words) == 3 and words[0] == "/rsvp" else None


class ReactionRsvp:
    """The reaction map of the announcements we sent, and the reactions that stand on them."""

    def __init__(self, sessions: SessionFactory, key_prefix: str) -> None:
        self.sessions = sessions
        self.key_prefix = key_prefix

    def _key(self, *parts: str) -> str:
        return self.key_prefix + ":".join(parts)

    def _member(self, user_id: str) -> str:
        return hashlib.sha256(user_id.encode()).hexdigest()[:24]

    def remember(self, event_id: str, commands: dict[str, str]) -> None:
        """``event_id`` is an announcement whose emoji run ``commands``."""
        save_json(self.sessions, self._key("reactions", event_id), commands)

    def commands(self, event_id: str) -> dict[str, str]:
        return load_json(self.sessions, self._key("reactions", event_id)) or {}

    async def pre_react(self, send: SendEvent, event_id: str, commands: dict[str, str], txn: str | None) -> None:
        """React with each answer's emoji, in order, so members only have to click one.

        With ``txn`` (a stored reply's key) a resend after a crash is not posted twice.
        A refused reaction is logged and skipped: the announcement is out, and its text
        and typed commands work without it.
        """
        for index, key in enumerate(k for k in REACTION_KEYS if k in commands):
            try:
                await send("m.reaction", annotation(event_id, key), f"{txn}-react{index}" if txn else None)
            except DeliveryError as exc:
                log.warning("matrix: could not pre-react %s on %s: %s", key, event_id, exc.reason)
                return

    def on_reaction(self, event_id: str, user_id: str, target: str, key: str) -> str | None:
        """The command a member's reaction runs (None: not an answer), and the reaction recorded."""
        emoji = normalize_reaction(key)
        command = self.commands(target).get(emoji)
        if command is None:
            return None
        standing_key = self._key("reacted", target, self._member(user_id))
        standing = load_json(self.sessions, standing_key) or []
        save_json(self.sessions, standing_key, [*standing, [event_id, emoji]])
        save_json(self.sessions, self._key("reaction", event_id),
                  {"target": target, "key": emoji, "member": self._member(user_id)})
        return command

    def on_redaction(self, redacts: str, user_id: str) -> str | None:
        """The command a member's redaction of their reaction runs (None: nothing to do).

        A moderator who takes down someone's reaction removes it from what stands,
        but answers nothing on their behalf.
        """
        reaction = load_json(self.sessions, self._key("reaction", redacts))
        if not reaction:
            return None  # not an answer: the bot's own reaction, another emoji, another event
        target = reaction["target"]
        standing_key = self._key("reacted", target, reaction["member"])
        standing = load_json(self.sessions, standing_key) or []
        delete_state(self.sessions, self._key("reaction", redacts))
        was_latest = bool(standing) and standing[-1][0] == redacts
        standing = [item for item in standing if item[0] != redacts]
        if standing:
            save_json(self.sessions, standing_key, standing)
        else:
            delete_state(self.sessions, standing_key)
        if not was_latest or reaction["member"] != self._member(user_id):
            return None
        commands = self.commands(target)
        if standing:
            return commands.get(standing[-1][1])
        return withdraw_command(next(iter(commands.values()), ""))
