"""Manager rights from chat admin status end with the link and are re-checked with the platform.

The platform is a fake ``is_chat_admin`` (the adapters' real ones are tested
against the Telegram emulator and Synapse in tests/integration).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core import Core
from bot.messages import ChatRef
from storage.models import ChatLink, Manager, Space
from tests.world import World

EVENT = "/event Party | tomorrow 18:00"
REFUSED = "Only a manager of this space can do that."


@dataclass
class FakePlatform:
    """Who administers which chat, as the platform would answer now."""

    admins: set[tuple[str, str]] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)
    failure: Exception | None = None

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        self.calls.append((chat_id, user_id))
        if self.failure is not None:
            raise self.failure
        return (chat_id, user_id) in self.admins


class Ticks:
    """A monotonic clock moved by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def platform(world: World) -> FakePlatform:
    fake = FakePlatform()
    world.core = Core(world.settings, world.sessions, clock=world.clock,
                      chat_admin_checks={"telegram": fake.is_chat_admin}, admin_check_ttl=300)
    world.core.admin_rights.clock = Ticks()
    return fake


def managers(world: World) -> list[tuple[str, int | None]]:
    with world.sessions() as session:
        return [(m.source, m.chat_link_id) for m in session.exec(select(Manager).order_by(Manager.id))]


def link_id(world: World, space: Space) -> int:
    """The id of the space's first linked chat (named after its slug)."""
    return link_id_of(world, space.slug)


def link_id_of(world: World, chat_id: str) -> int:
    with world.sessions() as session:
        return session.exec(select(ChatLink.id).where(ChatLink.chat_id == chat_id)).one()  # type: ignore[return-value]


async def event_in_dm(world: World, who: str) -> str:
    [reply] = await world.say(who, EVENT)
    return reply


async def test_a_chat_admin_right_names_its_link_and_ends_with_unlink(world: World) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    world.member("cora", coordinator=True)
    await world.say("ada", "/here", space=hub, admin=True)
    assert managers(world) == [("chat_admin", link_id(world, hub))]
    assert "Party" in await event_in_dm(world, "ada")

    assert await world.say("cora", "/space unlink", space=hub) == ["This chat is no longer linked to a space."]
    assert managers(world) == []  # the foreign key's cascade, on SQLite and PostgreSQL alike
    assert await event_in_dm(world, "ada") == REFUSED


async def test_moving_a_chat_to_another_space_ends_the_rights_it_gave(world: World) -> None:
    hub = world.space("Hub")
    world.space("Annex")
    world.member("ada", hub)
    world.member("cora", coordinator=True)
    world.member("max", hub, manager=True)  # appointed: not the chat's to take back
    await world.say("ada", "/here", space=hub, admin=True)
    await world.say("cora", "/space link annex", space=hub)
    assert managers(world) == [("appointed", None)]
    assert await event_in_dm(world, "ada") == REFUSED


async def test_not_admin_in_one_chat_keeps_the_right_another_chat_of_the_space_gave(world: World) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    world.member("cora", coordinator=True)
    second = ChatRef("telegram", "-200")
    await world.say("cora", "/space link hub", chat=second)
    await world.say("ada", "/here", space=hub, admin=True)
    await world.say("ada", "/here", chat=second, admin=False)
    assert managers(world) == [("chat_admin", link_id_of(world, "hub"))]


async def test_rights_are_rechecked_with_the_platform_and_cached_five_minutes(world: World,
                                                                          platform: FakePlatform) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    await world.say("ada", "/here", space=hub, admin=True)
    assert platform.calls == []  # said in the chat: the platform's word came with the message
    platform.admins.add(("hub", "ada"))

    assert "Party" in await event_in_dm(world, "ada")
    assert platform.calls == [("hub", "ada")]
    platform.admins.clear()  # demoted in the group, and ada never speaks there again
    world.core.admin_rights.clock.now += 299  # type: ignore[attr-defined]
    assert "Party" in await event_in_dm(world, "ada")  # the cached answer, under 5 minutes old
    assert len(platform.calls) == 1

    world.core.admin_rights.clock.now += 2  # type: ignore[attr-defined]
    assert await event_in_dm(world, "ada") == REFUSED
    assert len(platform.calls) == 2 and managers(world) == []
    assert await event_in_dm(world, "ada") == REFUSED  # and no more asking: the right is gone
    assert len(platform.calls) == 2


async def test_typed_in_the_chat_itself_the_platform_is_not_asked_again(world: World,
                                                                       platform: FakePlatform) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    await world.say("ada", "/here", space=hub, admin=True)
    [asked] = await world.say("ada", EVENT, space=hub, admin=True)
    assert "Party" in asked and platform.calls == []
    assert await world.say("ada", EVENT, space=hub, admin=False) == [REFUSED]  # the chat's word, at once
    await world.say("ada", "/here", space=hub, admin=False)  # (a refusal changes nothing; this does)
    assert platform.calls == [] and managers(world) == []


async def test_a_platform_that_cannot_answer_demotes_nobody(world: World, platform: FakePlatform) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    await world.say("ada", "/here", space=hub, admin=True)
    platform.failure = TimeoutError("telegram is down")
    assert "Party" in await event_in_dm(world, "ada")
    assert "Party" in await event_in_dm(world, "ada")
    assert len(platform.calls) == 2  # an unknown answer is not cached
    assert len(managers(world)) == 1


async def test_appointed_managers_and_member_commands_never_ask_the_platform(world: World,
                                                                            platform: FakePlatform) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    world.member("ada", hub)
    await world.say("ada", "/here", space=hub, admin=True)
    assert "Party" in await event_in_dm(world, "max")
    for command in ("/help", "/events", "/checkin", "/here", "/needs"):
        await world.say("ada", command)
    assert platform.calls == []


async def test_member_commands_cost_no_extra_query(world: World, platform: FakePlatform) -> None:
    hub = world.space("Hub")
    world.member("ada", hub)
    await world.say("ada", "/here", space=hub, admin=True)
    platform.admins.add(("hub", "ada"))
    engine = world.sessions().get_bind()
    rights_queries: list[str] = []

    def spot(conn, cursor, statement: str, parameters, context, executemany) -> None:  # noqa: ANN001
        if "manager.chat_link_id IS NULL" in statement:  # the re-check's query
            rights_queries.append(statement)

    event.listen(engine, "before_cursor_execute", spot)
    try:
        for command in ("/events", "/checkin", "/here", "/skills", "/help"):
            await world.say("ada", command)
        assert rights_queries == []
        await world.say("ada", "/stats")
        assert len(rights_queries) == 1
    finally:
        event.remove(engine, "before_cursor_execute", spot)


async def test_a_right_recorded_before_links_were_kept_is_checked_against_the_space_chats(
        world: World, platform: FakePlatform) -> None:
    hub = world.space("Hub")
    ada = world.member("ada", hub)
    bob = world.member("bob", hub)
    with world.sessions() as session:
        session.add_all([Manager(space_id=hub.id, member_id=ada.id, source="chat_admin"),
                         Manager(space_id=hub.id, member_id=bob.id, source="chat_admin")])
        session.commit()
    platform.admins.add(("hub", "ada"))
    assert "Party" in await event_in_dm(world, "ada")
    assert await event_in_dm(world, "bob") == REFUSED
    assert managers(world) == [("chat_admin", link_id(world, hub))]  # ada's right now names its chat
