"""Live RSVP counts on Matrix against a real Synapse: each answer edits the announcement (``m.replace``)."""
from __future__ import annotations

from typing import Any

from tests.integration.conftest import BotStarter
from tests.integration.matrix_helpers import announced_event, answer_text, ask, space_room
from tests.integration.matrix_homeserver import UserFactory


def edit_of(bot_id: str, event_id: str, contains: str) -> Any:
    """Predicate: the bot's ``m.replace`` of ``event_id`` whose new text contains ``contains``."""
    def matches(event: dict[str, Any]) -> bool:
        content = event["content"]
        relates = content.get("m.relates_to") or {}
        return (event["sender"] == bot_id and relates.get("rel_type") == "m.replace"
                and relates.get("event_id") == event_id and contains in content["m.new_content"]["body"])
    return matches


async def test_an_answer_edits_the_announcement_in_place(start_matrix_bot: BotStarter,
                                                         matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    carl = await matrix_user_factory("carl")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [carl])
    event, announcement = await announced_event(alice, room, bot_id, carl)
    assert "👍 Going: 0 · 🤔 Maybe: 0 · 👎 Not going: 0" in announcement["content"]["body"]

    await ask(carl, room, bot_id, f"!rsvp {event} yes", "You are going")  # typed: answered as before
    edit = await carl.wait_for_event(room, edit_of(bot_id, announcement["event_id"], "👍 Going: 1 ·"), timeout=15)
    content = edit["content"]
    new = content["m.new_content"]
    assert new["msgtype"] == "m.notice" and "👍 Going: 1 · 🤔 Maybe: 0 · 👎 Not going: 0" in new["formatted_body"]
    assert content["body"].startswith("* ") and content["m.mentions"] == {} and new["m.mentions"] == {}

    await carl.react(room, announcement["event_id"], "🤔")  # a reaction: the edit is the answer
    await carl.wait_for_event(room, edit_of(bot_id, announcement["event_id"], "👍 Going: 0 · 🤔 Maybe: 1"),
                              timeout=15)
    messages = [e for e in await carl.messages(room) if e["type"] == "m.room.message" and e["sender"] == bot_id
                and (e["content"].get("m.relates_to") or {}).get("rel_type") != "m.replace"]
    assert not any("Noted" in answer_text(e) for e in messages)  # no room message for the reaction

    await ask(alice, room, bot_id, f"!cancel_event {event}", "is cancelled")
    cancelled = await carl.wait_for_event(room, edit_of(bot_id, announcement["event_id"], "❌ Cancelled"), timeout=15)
    assert "Going" not in cancelled["content"]["m.new_content"]["body"]
