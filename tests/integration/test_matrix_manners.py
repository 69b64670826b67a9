"""Matrix manners against a real Synapse: answers are replies that name their sender, RSVPs are
reactions (taken back, withdrawn), the bot has a display name, joins rooms only for staff, and
tells a direct chat from a small room by ``is_direct``, not by its size.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlmodel import select

from bot.messages import RetryAfter
from storage.models import ChatLink, DirectChat
from tests.integration.conftest import BotStarter
from tests.integration.matrix_helpers import (SPACE_CREATE, announced_event, answer_text, ask, bot_joined, from_bot,
                                              space_room)
from tests.integration.matrix_homeserver import MatrixTestUser, UserFactory
from tests.integration.test_matrix_adapter import wait_for_answers

PILL = '<a href="https://matrix.to/#/'


def assert_answers(reply: dict[str, Any], command_id: str, user: MatrixTestUser) -> None:
    """``reply`` is a reply to ``command_id`` that mentions ``user`` (pill and m.mentions)."""
    content = reply["content"]
    assert content["m.relates_to"]["m.in_reply_to"] == {"event_id": command_id}
    assert content["m.mentions"] == {"user_ids": [user.user_id]}
    assert content["formatted_body"].startswith(f'{PILL}{user.user_id}">')
    assert content["body"].endswith(answer_text(reply)) and content["body"] != answer_text(reply)


async def test_answers_reply_to_the_command_in_its_thread_and_mention_the_sender(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [bob])

    command = await bob.send_text(room, "!here")
    reply = await bob.wait_for_message(room, from_bot(bot_id, "Nobody"))
    assert_answers(reply, command, bob)
    assert "rel_type" not in reply["content"]["m.relates_to"]  # not in a thread: a plain reply

    root = await alice.send_text(room, "Who is coming tomorrow?")
    in_thread = {"rel_type": "m.thread", "event_id": root, "is_falling_back": True, "m.in_reply_to": {"event_id": root}}
    command = await bob.send_event(room, "m.room.message", {"msgtype": "m.text", "body": "!spaces",
                                                           "m.relates_to": in_thread})
    reply = await bob.wait_for_message(room, from_bot(bot_id, "Spaces of the network"))
    assert_answers(reply, command, bob)
    relates = reply["content"]["m.relates_to"]
    assert (relates["rel_type"], relates["event_id"], relates["is_falling_back"]) == ("m.thread", root, True)

    # A reply the homeserver refuses for now goes to the outbox, and still arrives as a reply.
    send, refused = bot.matrix.sender.event, []

    async def refuse_once(room_id: str, content: dict[str, Any], txn_id: str | None = None, **kw: Any) -> str:
        if not refused and "Nobody" in content.get("body", ""):
            refused.append(content)
            raise RetryAfter(0.2, "M_LIMIT_EXCEEDED: slow down")
        return await send(room_id, content, txn_id, **kw)

    bot.matrix.sender.event = refuse_once
    command = await bob.send_text(room, "!here")
    late = await bob.wait_for_message(room, from_bot(bot_id, "Nobody"), timeout=20)
    assert refused and late["content"]["body"] == refused[0]["body"]
    assert_answers(late, command, bob)

    # Messages that answer no one (announcements, broadcasts) mention no one.
    await ask(alice, room, bot_id, "!broadcast Hello from the network", "on its way")
    news = await bob.wait_for_message(room, from_bot(bot_id, "Hello from the network"), timeout=15)
    assert news["content"]["m.mentions"] == {} and "m.relates_to" not in news["content"]


async def test_the_bot_pre_reacts_and_a_reaction_taken_back_withdraws_the_answer(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    carl = await matrix_user_factory("carl")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [carl])
    event_id, announcement = await announced_event(alice, room, bot_id, carl)
    assert "React with 👍, 🤔 or 👎" in announcement["content"]["body"]

    def bot_reactions(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["type"] == "m.reaction" and e["sender"] == bot_id]

    await carl.wait_for_event(room, lambda e: e["type"] == "m.reaction" and e["sender"] == bot_id
                              and e["content"]["m.relates_to"]["key"] == "👎", timeout=15)
    ours = bot_reactions(await carl.messages(room))
    assert [r["content"]["m.relates_to"]["key"] for r in ours] == ["👍", "🤔", "👎"]
    assert {r["content"]["m.relates_to"]["event_id"] for r in ours} == {announcement["event_id"]}

    event = int(event_id)
    going = await carl.react(room, announcement["event_id"], "👍")
    await wait_for_answers(bot, event, {carl.user_id: "yes"})
    not_going = await carl.react(room, announcement["event_id"], "👎")
    await wait_for_answers(bot, event, {carl.user_id: "no"})
    await carl.redact(room, not_going)  # the 👍 still stands: going again
    await wait_for_answers(bot, event, {carl.user_id: "yes"})
    await alice.redact(room, ours[0]["event_id"])  # a moderator tidies the bot's 👍: nothing changes
    await alice.redact(room, going)  # and carl's: only carl can take his answer back
    await asyncio.sleep(1.0)
    await wait_for_answers(bot, event, {carl.user_id: "yes"})

    maybe = await carl.react(room, announcement["event_id"], "🤔")
    await wait_for_answers(bot, event, {carl.user_id: "maybe"})
    await carl.redact(room, maybe)  # his last standing answer taken back: no answer at all
    await wait_for_answers(bot, event, {})
    bodies = [answer_text(e) for e in await carl.messages(room) if e["sender"] == bot_id and e["type"] == "m.room.message"]
    assert not any(word in b for b in bodies for word in ("You are going", "Noted", "withdrawn"))


async def test_the_display_name_is_set_at_start(start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    viewer = await matrix_user_factory("viewer")
    bot = await start_matrix_bot()
    assert await viewer.display_name(bot.matrix.user_id) == "coworkbot"
    await bot.stop()
    bot = await start_matrix_bot(matrix_display_name="Hub desk bot")
    assert await viewer.display_name(bot.matrix.user_id) == "Hub desk bot"


async def test_invites_are_accepted_from_staff_and_allowed_inviters_only(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory, caplog: pytest.LogCaptureFixture) -> None:
    alice = await matrix_user_factory("alice")  # coordinator
    bob = await matrix_user_factory("bob")  # becomes a manager (power level 50 in a linked room)
    dave = await matrix_user_factory("dave")  # listed in MATRIX_ALLOWED_INVITERS
    eve = await matrix_user_factory("eve")  # nobody to the network
    bot = await start_matrix_bot(coordinators=[alice.user_id], matrix_allowed_inviters=(dave.user_id,))
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [bob])
    await alice.set_power_level(room, bob.user_id, 50)
    await ask(bob, room, bot_id, "!here", "Nobody")

    caplog.set_level(logging.INFO, logger="adapters.matrix_invites")
    spam = await eve.create_room("free crypto", invite=[bot_id])
    eve_dm = await eve.create_room(invite=[bot_id], is_direct=True)
    for declined in (spam, eve_dm):
        await eve.wait_for_event(declined, lambda e: e["type"] == "m.room.member" and e.get("state_key") == bot_id
                                 and e["content"].get("membership") == "leave", timeout=15)
    for inviter in (bob, dave):
        invited = await inviter.create_room(f"{inviter.user_id} desk", invite=[bot_id])
        await bot_joined(inviter, invited, bot_id)
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.matrix_invites"]
    assert len(lines) == 2 and all(eve.user_id in line and "declined" in line for line in lines)
    assert {spam, eve_dm} == {line.split()[3] for line in lines}
    with bot.core.sessions() as session:
        assert session.exec(select(DirectChat).where(DirectChat.user_id == eve.user_id)).all() == []


async def test_an_unnamed_room_of_the_coordinator_and_the_bot_is_a_room_to_link(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await alice.create_room(invite=[bot_id])  # no name, two members, not flagged direct
    await bot_joined(alice, room, bot_id)
    created = await ask(alice, room, bot_id, SPACE_CREATE, "Make It Marseille")
    assert "direct chat" not in created["content"]["body"]
    with bot.core.sessions() as session:
        assert session.exec(select(ChatLink.chat_id).where(ChatLink.platform == "matrix")).all() == [room]
    await alice.send_text(room, "hello?")  # not a direct chat: plain text is not for the bot

    dm = await alice.create_room(invite=[bot_id], is_direct=True)  # flagged direct: a private chat
    await bot_joined(alice, dm, bot_id)
    hint = await ask(alice, dm, bot_id, "hello", "I answer commands")
    assert "m.relates_to" in hint["content"] and not hint["content"]["formatted_body"].startswith(PILL)
    bodies = [e["content"].get("body", "") for e in await alice.messages(room) if e["sender"] == bot_id]
    assert not any("I answer commands" in b for b in bodies)
