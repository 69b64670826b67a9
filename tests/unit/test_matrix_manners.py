"""The Matrix manners without a homeserver: who may invite, what an answer looks like, which
reaction stands, the settings behind them, and the core's withdrawn RSVP (the Synapse side is
tests/integration/test_matrix_manners.py)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from adapters.matrix_invites import InvitePolicy
from adapters.matrix_reactions import ReactionRsvp, withdraw_command
from adapters.matrix_replies import Origin, addressed
from bot.config import ConfigError, load_settings
from bot.staff import is_network_staff
from storage.models import Rsvp
from tests.world import World

COMMANDS = {"👍": "/rsvp 7 yes", "🤔": "/rsvp 7 maybe", "👎": "/rsvp 7 no"}


def test_allowed_inviters_and_display_name_are_validated() -> None:
    settings = load_settings(environ={"COWORKBOT_MATRIX_ALLOWED_INVITERS": "@ana:example.org, :Hub.org, matrix.org:8448",
                                      "COWORKBOT_MATRIX_DISPLAY_NAME": "  Desk bot "})
    assert settings.matrix_allowed_inviters == ("@ana:example.org", ":hub.org", ":matrix.org:8448")
    assert settings.matrix_display_name == "Desk bot"
    assert load_settings(environ={}).matrix_display_name == "coworkbot"
    with pytest.raises(ConfigError, match="^COWORKBOT_MATRIX_ALLOWED_INVITERS: '@ana' is not"):
        load_settings(environ={"COWORKBOT_MATRIX_ALLOWED_INVITERS": "@ana"})
    with pytest.raises(ConfigError, match="^COWORKBOT_MATRIX_DISPLAY_NAME: must be 1 to 100"):
        load_settings(environ={"COWORKBOT_MATRIX_DISPLAY_NAME": "x" * 101})


def test_invites_from_listed_users_servers_and_staff_only() -> None:
    staff = {"@coord:elsewhere.net"}
    policy = InvitePolicy(("@ana:example.org", ":hub.org"), lambda platform, user: user in staff)
    assert policy.allows("@ana:example.org") and policy.allows("@anyone:Hub.org")
    assert policy.allows("@coord:elsewhere.net")
    assert not policy.allows("@eve:example.org") and not policy.allows("@eve:hub.org.evil")


async def test_staff_are_coordinators_and_managers_of_any_space(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    settings = world.settings
    check = [is_network_staff(world.sessions, settings, "telegram", user) for user in ("ana", "bob", "nobody")]
    assert check == [True, False, False]
    coordinator = type(settings)(**{**settings.__dict__, "coordinators": ("@zoe:example.org",)})
    assert is_network_staff(world.sessions, coordinator, "matrix", "@zoe:example.org")  # never spoke yet


def test_an_answer_replies_in_the_thread_and_names_its_sender() -> None:
    content = {"msgtype": "m.notice", "body": "Checked in", "formatted_body": "Checked <b>in</b>", "m.mentions": {}}
    origin = Origin("$cmd", "@ana:example.org", "Ana <3")
    room = addressed(dict(content), origin)
    assert room["m.relates_to"] == {"m.in_reply_to": {"event_id": "$cmd"}}
    assert room["m.mentions"] == {"user_ids": ["@ana:example.org"]}
    assert room["body"] == "Ana <3: Checked in"
    assert room["formatted_body"] == '<a href="https://matrix.to/#/@ana:example.org">Ana &lt;3</a>: Checked <b>in</b>'
    threaded = addressed(dict(content), Origin("$cmd", "@ana:example.org", "Ana", thread_root="$root", in_room=False))
    assert threaded["m.relates_to"] == {"rel_type": "m.thread", "event_id": "$root", "is_falling_back": True,
                                       "m.in_reply_to": {"event_id": "$cmd"}}
    assert threaded["body"] == "Checked in"  # a direct chat needs no name in front
    assert addressed(dict(content), None) == content
    source = {"event_id": "$c", "sender": "@b:x", "content": {"m.relates_to": {"rel_type": "m.thread", "event_id": "$r"}}}
    assert Origin.of(source, "", in_room=True) == Origin("$c", "@b:x", "@b:x", "$r", True)


def test_the_latest_standing_reaction_is_the_answer(world: World) -> None:
    reactions = ReactionRsvp(world.sessions, "matrix:@bot:x:")
    reactions.remember("$ann", COMMANDS)
    assert reactions.on_reaction("$r1", "@ana:x", "$ann", "👍\ufe0f") == "/rsvp 7 yes"
    assert reactions.on_reaction("$r2", "@ana:x", "$ann", "👎") == "/rsvp 7 no"
    assert reactions.on_reaction("$r3", "@ana:x", "$ann", "🎉") is None  # not an answer
    assert reactions.on_reaction("$r4", "@ana:x", "$other", "👍") is None  # not an announcement
    assert reactions.on_redaction("$r1", "@ana:x") is None  # replaced already by her 👎
    assert reactions.on_redaction("$r2", "@ana:x") == "/rsvp 7 withdraw"  # nothing stands any more
    assert reactions.on_redaction("$r2", "@ana:x") is None  # said once
    assert reactions.on_redaction("$bots-own", "@mod:x") is None

    assert reactions.on_reaction("$r5", "@bob:x", "$ann", "🤔") == "/rsvp 7 maybe"
    assert reactions.on_reaction("$r6", "@bob:x", "$ann", "👍") == "/rsvp 7 yes"
    assert reactions.on_redaction("$r6", "@mod:x") is None  # a moderator's redaction answers nothing...
    assert reactions.on_redaction("$r5", "@bob:x") == "/rsvp 7 withdraw"  # ...but his 👍 no longer stands
    assert reactions.on_reaction("$r7", "@cai:x", "$ann", "👍") and reactions.on_reaction("$r8", "@cai:x", "$ann", "🤔")
    assert reactions.on_redaction("$r8", "@cai:x") == "/rsvp 7 yes"  # back to the one still standing
    assert withdraw_command("/confirm 3") is None


async def test_a_withdrawn_answer_frees_the_seat_for_the_first_waiter(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    world.member("cai", space)
    event_id = await world.create_event("ana", "/event Workshop | tomorrow at 6pm | Room 1 | max 1", space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.say("cai", f"/rsvp {event_id} yes", space=space)
    assert await world.say("bob", f"/rsvp {event_id} withdraw", space=space) == [
        "Your answer to Workshop is withdrawn."]
    with world.sessions() as session:
        assert [r.status for r in session.exec(select(Rsvp).where(Rsvp.event_id == event_id))] == ["yes"]
    assert await world.say("bob", f"/rsvp {event_id} withdraw", space=space) == [
        "Your answer to Workshop is withdrawn."]  # nothing to withdraw: the same, nothing changes


def test_a_deferred_answer_keeps_no_personal_data_beside_the_outbox(world) -> None:  # noqa: ANN001
    """The note that makes a late answer a reply holds event ids only: who asked is read back from
    the homeserver when it is sent, so a note whose answer never goes out (its member was
    forgotten) names nobody."""
    from sqlmodel import select

    from adapters.matrix_replies import DeferredOrigins
    from bot.messages import ChatRef, Reply
    from storage.models import SyncState

    notes = DeferredOrigins(world.sessions, "matrix:@bot:x:")
    notes.remember(ChatRef("matrix", "!room:x"), Reply("Nobody is here"),
                   Origin("$cmd", "@ana.secret:example.org", "Ana Secretname", thread_root="$root"))
    with world.sessions() as session:
        values = [row.value for row in session.exec(select(SyncState)).all()]
    assert values and all("ana.secret" not in v and "Secretname" not in v for v in values)
    assert any("$cmd" in v for v in values)
