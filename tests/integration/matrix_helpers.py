"""Small steps the Matrix tests share: open a space room with the bot, read its replies."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.integration.matrix_homeserver import JsonDict, MatrixTestUser

SPACE_CREATE = "!space create Make It Marseille | Marseille | FR | Europe/Paris | en"


def from_bot(bot_id: str, contains: str | None = None) -> Any:
    """Predicate: a message from the bot (whose plain body contains ``contains``)."""
    return lambda e: e["sender"] == bot_id and (contains is None or contains in e["content"].get("body", ""))


async def bot_joined(user: MatrixTestUser, room_id: str, bot_id: str, timeout: float = 15.0) -> None:
    await user.wait_for_event(room_id, lambda e: e["type"] == "m.room.member" and e.get("state_key") == bot_id
                              and e["content"].get("membership") == "join", timeout=timeout)


async def ask(user: MatrixTestUser, room_id: str, bot_id: str, text: str, expect: str | None = None,
              timeout: float = 15.0) -> JsonDict:
    """Send ``text`` and return the bot's next reply (containing ``expect``)."""
    await user.send_text(room_id, text)
    return await user.wait_for_message(room_id, from_bot(bot_id, expect), timeout=timeout)


async def space_room(coordinator: MatrixTestUser, bot_id: str, members: Sequence[MatrixTestUser] = (),
                     name: str = "Marseille desk", create: str = SPACE_CREATE) -> str:
    """A named room with the bot and ``members``, linked to a new space by the coordinator."""
    room_id = await coordinator.create_room(name, invite=[bot_id, *(m.user_id for m in members)])
    for member in members:
        await member.join(room_id)
    await bot_joined(coordinator, room_id, bot_id)
    await ask(coordinator, room_id, bot_id, create, "created")
    return room_id


async def announced_event(manager: MatrixTestUser, room_id: str, bot_id: str, reader: MatrixTestUser,
                          text: str = "!event Launch | tomorrow 18:00") -> tuple[str, JsonDict]:
    """``manager`` creates and confirms an event; its id and the announcement as ``reader`` sees it."""
    asked = await ask(manager, room_id, bot_id, text, "!confirm")
    event_id = answer_text(asked).split("!confirm ")[1].split()[0]
    await ask(manager, room_id, bot_id, f"!confirm {event_id}", "is scheduled")
    announcement = await reader.wait_for_message(room_id, from_bot(bot_id, "📣 New event"), timeout=15)
    return event_id, announcement


def answer_text(event: JsonDict) -> str:
    """A bot message's body without the mention of the member it answers (``alice: Checked in…``)."""
    content = event["content"]
    body = str(content.get("body", ""))
    mentioned = (content.get("m.mentions") or {}).get("user_ids")
    if mentioned and str(content.get("formatted_body", "")).startswith('<a href="https://matrix.to/#/'):
        return body.split(": ", 1)[-1]
    return body


def bot_bodies(events: list[JsonDict], bot_id: str) -> list[str]:
    """The bodies of the bot's messages, answers without their leading mention."""
    return [answer_text(e) for e in events if e["type"] == "m.room.message" and e["sender"] == bot_id]
