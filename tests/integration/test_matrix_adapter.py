"""The Matrix adapter against a real Synapse: users type ``!commands``, the bot answers.

Every assertion is about what a Matrix user sees in the room (or what the
bot records about them when nothing is visible yet).
"""
from __future__ import annotations

from sqlmodel import select

from bot.messages import ChatRef, Reply
from storage.models import Manager, Member
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

    await carl.react(room, announcement["event_id"], "👍")
    going = await carl.wait_for_message(room, from_bot(bot_id, "You are going"), timeout=15)
    assert "Launch <party>" in going["content"]["body"]
    await alice.react(room, announcement["event_id"], "👎\ufe0f")  # as some clients send it
    await alice.wait_for_message(room, from_bot(bot_id, "you are not going"), timeout=15)
    await carl.react(room, announcement["event_id"], "🎉")  # not an answer: nothing happens
    attendees = await ask(alice, room, bot_id, "!events", "Launch")
    assert "Launch <party>" in attendees["content"]["body"]
    bodies = [e["content"].get("body", "") for e in await alice.messages(room) if e["sender"] == bot_id]
    assert sum("You are going" in b for b in bodies) == 1


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
