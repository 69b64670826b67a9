"""The Matrix adapter against a real Synapse: users type ``!commands``, the bot answers.

Every assertion is about what a Matrix user sees in the room (or what the
bot records about them when nothing is visible yet).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlmodel import select

from bot.messages import ChatRef, Reply
from storage.models import DirectChat, Manager, Member, Rsvp
from tests.integration.conftest import BotStarter
from tests.integration.matrix_helpers import ask, bot_joined, from_bot, space_room
from tests.integration.matrix_homeserver import UserFactory


async def test_checkin_and_here_in_a_linked_room(start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    room = await space_room(alice, bot.matrix.user_id, [bob])

    checked = await ask(bob, room, bot.matrix.user_id, "!checkin logo <b>work</b>", "Checked in")
    assert checked["content"]["msgtype"] == "m.notice"
    assert checked["content"]["format"] == "org.matrix.custom.html"
    assert "<b>Make It Marseille</b>" in checked["content"]["formatted_body"]

    here = await ask(alice, room, bot.matrix.user_id, "!here", "here now")
    body, html = here["content"]["body"], here["content"]["formatted_body"]
    assert "Make It Marseille: 1 person here now" in body
    assert "logo <b>work</b>" in body  # the plain body shows what bob typed...
    assert "logo &lt;b&gt;work&lt;/b&gt;" in html  # ...and the HTML shows it, never runs it
    assert "<br>" in html


async def test_help_in_a_direct_chat_and_a_hint_for_plain_text(start_matrix_bot: BotStarter,
                                                              matrix_user_factory: UserFactory) -> None:
    bot = await start_matrix_bot()
    carol = await matrix_user_factory("carol")
    dm = await carol.create_room(invite=[bot.matrix.user_id], is_direct=True)
    await bot_joined(carol, dm, bot.matrix.user_id)

    help_reply = await ask(carol, dm, bot.matrix.user_id, "!help", "What I can do")
    assert "!checkin" in help_reply["content"]["body"]  # commands shown the way Matrix users type them
    hint = await ask(carol, dm, bot.matrix.user_id, "hello there", "I answer commands")
    assert "!help" in hint["content"]["body"]


async def test_unknown_user_text_in_a_group_is_not_answered_nor_other_bots_notices(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    other_bot = await matrix_user_factory("otherbot")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    room = await space_room(alice, bot.matrix.user_id, [other_bot])

    await alice.send_text(room, "good morning everyone")
    await other_bot.send_notice(room, "!spaces")  # a bot's notice, even shaped like a command
    await other_bot.send_text(room, "!spaces")  # the same as text is a command
    reply = await other_bot.wait_for_message(room, from_bot(bot.matrix.user_id, "Spaces of the network"))
    assert "Make It Marseille" in reply["content"]["body"]
    bodies = [e["content"]["body"] for e in await alice.messages(room)
              if e["type"] == "m.room.message" and e["sender"] == bot.matrix.user_id]
    assert sum("Spaces of the network" in b for b in bodies) == 1
    assert not any("I answer commands" in b for b in bodies)


async def test_power_level_50_makes_a_manager_of_the_space(start_matrix_bot: BotStarter,
                                                          matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    dan = await matrix_user_factory("dan")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    room = await space_room(alice, bot.matrix.user_id, [bob, dan])
    await alice.set_power_level(room, bob.user_id, 50)

    await ask(bob, room, bot.matrix.user_id, "!here", "Nobody")
    await ask(dan, room, bot.matrix.user_id, "!here", "Nobody")
    with bot.core.sessions() as session:
        managers = session.exec(select(Member.user_id).join(Manager, Manager.member_id == Member.id)).all()
    assert managers == [bob.user_id]


async def test_a_direct_message_to_a_member_opens_a_direct_room(start_matrix_bot: BotStarter,
                                                               matrix_user_factory: UserFactory) -> None:
    bot = await start_matrix_bot()
    erin = await matrix_user_factory("erin")

    await bot.matrix.send(ChatRef("matrix", erin.user_id, is_direct=True), Reply("Your event <b>starts</b> soon"))
    room = await erin.wait_for_invite()
    await erin.join(room)
    got = await erin.wait_for_message(room, from_bot(bot.matrix.user_id))
    assert got["content"]["body"] == "Your event starts soon"
    # The next one goes to the same room, and erin's reply there is a direct chat.
    await bot.matrix.send(ChatRef("matrix", erin.user_id, is_direct=True), Reply("second"))
    assert (await erin.wait_for_message(room, from_bot(bot.matrix.user_id)))["content"]["body"] == "second"
    await ask(erin, room, bot.matrix.user_id, "what now?", "I answer commands")


async def test_an_encrypted_room_is_told_encryption_is_not_enabled(start_matrix_bot: BotStarter,
                                                                  matrix_user_factory: UserFactory) -> None:
    bot = await start_matrix_bot(encryption=False)
    frank = await matrix_user_factory("frank")
    room = await frank.create_room("secret", invite=[bot.matrix.user_id], encrypted=True)
    notice = await frank.wait_for_message(room, from_bot(bot.matrix.user_id), timeout=15)
    assert notice["content"]["msgtype"] == "m.notice"
    assert "end-to-end encryption is not enabled" in notice["content"]["body"]


async def test_event_confirmation_announcement_and_rsvp_by_reaction(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    carl = await matrix_user_factory("carl")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [bob, carl])
    await alice.set_power_level(room, bob.user_id, 50)  # a room moderator manages the space

    asked = await ask(bob, room, bot_id, "!event Launch <party> | tomorrow 18:00", "Launch <party>")
    assert "!confirm" in asked["content"]["body"]  # buttons become commands to type
    assert "Launch &lt;party&gt;" in asked["content"]["formatted_body"]
    event_id = asked["content"]["body"].split("!confirm ")[1].split()[0]
    await ask(bob, room, bot_id, f"!confirm {event_id}", "is scheduled")
    announcement = await carl.wait_for_message(room, from_bot(bot_id, "📣 New event"), timeout=15)
    assert f"!rsvp {event_id} yes" in announcement["content"]["body"]
    assert "React with 👍, 🤔 or 👎" in announcement["content"]["body"]

    await carl.react(room, announcement["event_id"], "👍")
    await alice.react(room, announcement["event_id"], "👎\ufe0f")  # as some clients send it
    await carl.react(room, announcement["event_id"], "🎉")  # not an answer: nothing happens
    await wait_for_answers(bot, int(event_id), {carl.user_id: "yes", alice.user_id: "no"})
    attendees = await ask(alice, room, bot_id, "!events", "Launch")
    assert "Launch <party>" in attendees["content"]["body"]
    bodies = [e["content"].get("body", "") for e in await alice.messages(room) if e["sender"] == bot_id]
    assert not any("You are going" in b or "not going to" in b for b in bodies)  # no message per reaction


async def wait_for_answers(bot: Any, event_id: int, expected: dict[str, str], timeout: float = 15.0) -> None:
    """Until the event's RSVPs (user id → status) are exactly ``expected``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with bot.core.sessions() as session:
            answers = dict(session.exec(select(Member.user_id, Rsvp.status).join(Rsvp, Rsvp.member_id == Member.id)
                                        .where(Rsvp.event_id == event_id)).all())
        if answers == expected or loop.time() > deadline:
            assert answers == expected
            return
        await asyncio.sleep(0.2)


async def test_a_non_manager_cannot_create_an_event(start_matrix_bot: BotStarter,
                                                   matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    dan = await matrix_user_factory("dan")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    room = await space_room(alice, bot.matrix.user_id, [dan])
    refused = await ask(dan, room, bot.matrix.user_id, "!event Party | tomorrow 18:00", "Only")
    assert "manager" in refused["content"]["body"]


async def test_a_coordinator_broadcast_reaches_every_linked_room(start_matrix_bot: BotStarter,
                                                                matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    marseille = await space_room(alice, bot_id)
    split = await space_room(alice, bot_id, name="Split desk",
                             create="!space create Split Hub | Split | HR | Europe/Zagreb | hr")
    await ask(alice, marseille, bot_id, "!broadcast Network <meetup> on Friday", "on its way to 2")
    for room in (marseille, split):
        got = await alice.wait_for_message(room, from_bot(bot_id, "Network <meetup> on Friday"), timeout=15)
        assert "Network &lt;meetup&gt; on Friday" in got["content"]["formatted_body"]


async def test_mydata_and_forgetme_in_a_shared_room_go_to_a_direct_room(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [bob])

    notice = await ask(bob, room, bot_id, "!mydata", "I sent it to you in a direct chat")
    assert notice["content"]["msgtype"] == "m.notice" and "!mydata" in notice["content"]["body"]
    dm = await bob.wait_for_invite(timeout=20)  # the bot opens a direct room to deliver it
    await bob.join(dm)
    export = await bob.wait_for_message(dm, lambda e: e["content"].get("msgtype") == "m.file", timeout=20)
    assert export["sender"] == bot_id and export["content"]["body"] == "mydata.json"
    assert "file" not in export["content"]  # a room without encryption gets a plain url
    data = json.loads(await bob.download(export["content"]["url"]))
    assert data["member"]["user_id"] == bob.user_id

    await ask(bob, room, bot_id, "!forgetme", "I sent it to you in a direct chat")
    prompt = await bob.wait_for_message(dm, from_bot(bot_id, "It cannot be undone."), timeout=20)
    assert "!forgetme confirm" in prompt["content"]["body"]
    in_room = [e["content"] for e in await alice.messages(room) if e["sender"] == bot_id]
    assert not any(c.get("msgtype") in ("m.file", "m.image") or "cannot be undone" in c.get("body", "")
                   for c in in_room)  # the shared room got the notices only

    with bot.core.sessions() as session:  # the room is bob's direct chat, kept by his identity
        assert session.exec(select(DirectChat.chat_id).where(DirectChat.user_id == bob.user_id)).all() == [dm]
    again = await ask(bob, dm, bot_id, "!mydata", "everything I store")
    assert again["content"]["body"] == "Here is everything I store about you."
    export = await bob.wait_for_message(dm, lambda e: e["content"].get("msgtype") == "m.file", timeout=20)
    rooms = json.loads(await bob.download(export["content"]["url"]))["directchat"]
    assert [(r["platform"], r["chat_id"]) for r in rooms] == [("matrix", dm)]


async def test_manager_rights_end_when_the_power_level_is_lowered(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    bot = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = bot.matrix.user_id
    room = await space_room(alice, bot_id, [bob])
    await alice.set_power_level(room, bob.user_id, 50)
    await ask(bob, room, bot_id, "!here", "Nobody")  # a moderator of the room manages the space
    dm = await bob.create_room(invite=[bot_id], is_direct=True)
    await bot_joined(bob, dm, bot_id)

    event = "!event Party | tomorrow 18:00"
    assert "!confirm" in (await ask(bob, dm, bot_id, event, "Party"))["content"]["body"]
    await alice.set_power_level(room, bob.user_id, 0)  # and bob never speaks in that room again
    cached = await ask(bob, dm, bot_id, event, "Party")  # the answer above is trusted for a while...
    assert "!confirm" in cached["content"]["body"]
    bot.core.admin_rights.ttl = 0.5  # ...at most 5 minutes; here half a second
    await asyncio.sleep(0.6)
    refused = await ask(bob, dm, bot_id, event, "Only")
    assert "Only a manager of this space can do that." in refused["content"]["body"]
    with bot.core.sessions() as session:
        assert session.exec(select(Manager)).all() == []

    await alice.set_power_level(room, bob.user_id, 50)  # promoted again: speaking there restores it
    await ask(bob, room, bot_id, "!here", "Nobody")
    await ask(alice, room, bot_id, "!space unlink", "no longer linked")
    assert "Only a manager" in (await ask(bob, dm, bot_id, event, "Only"))["content"]["body"]
