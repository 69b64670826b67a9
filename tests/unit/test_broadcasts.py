"""/broadcast as coordinators and readers see it: fan-out, filters, the delivery report."""
from __future__ import annotations

from sqlmodel import func, select

from bot.broadcasts import report_finished
from bot.messages import ChatRef, DeliveryError
from bot.spaces import link_chat
from storage.models import Broadcast, OutboxMessage, Space
from tests.world import World


def link_matrix_room(world: World, space: Space, room: str) -> None:
    with world.sessions() as session:
        link_chat(session, ChatRef("matrix", room), space)
        session.commit()


async def report(world: World, running: tuple[str, ...] = ("telegram", "matrix", "console")) -> None:
    """What the scheduler's report job does every few seconds, then delivery."""
    report_finished(world.sessions, world.settings, running, world.clock)
    await world.deliver()


async def test_broadcast_reaches_every_linked_chat_on_every_platform_and_reports(world: World) -> None:
    paris = world.space("Paris Hub", city="Paris", lang="fr")
    rome = world.space("Roma Cowork", city="Roma", country="IT", tz="Europe/Rome", lang="it")
    link_matrix_room(world, rome, "!roma:example.org")
    world.member("zoe", coordinator=True)
    [reply] = await world.say("zoe", "/broadcast Network meetup on <Friday> & drinks")
    assert reply == "Broadcast #1 is on its way to 3 chats. I will report here when it is delivered."
    await world.deliver()
    [paris_post] = world.posts(paris)
    assert paris_post == "📢 Annonce du réseau de Zoe (@zoe) :\nNetwork meetup on <Friday> & drinks"
    [rome_post] = world.posts(rome)
    assert rome_post.startswith("📢 Annuncio della rete da Zoe (@zoe):")
    assert world.posts(rome, "matrix")[0].endswith("Network meetup on <Friday> & drinks")
    [raw] = [r.text for c, r in world.adapters["telegram"].sent if c.chat_id == paris.slug]
    assert "&lt;Friday&gt; &amp; drinks" in raw  # the coordinator's text is escaped, not HTML
    await report(world)
    assert world.inbox("zoe") == ["Broadcast #1: delivered to 3 of 3 chats."]


async def test_country_and_space_filters(world: World) -> None:
    paris = world.space("Paris Hub")
    lyon = world.space("Lyon Hub", city="Lyon")
    rome = world.space("Roma Cowork", country="IT", tz="Europe/Rome")
    world.member("zoe", coordinator=True)
    await world.say("zoe", "/broadcast country:fr Bonjour la France")
    await world.deliver()
    assert world.posts(paris) and world.posts(lyon) and not world.posts(rome)
    await world.say("zoe", "/broadcast space:lyon-hub Only Lyon")
    await world.deliver()
    assert [p.split("\n")[1] for p in world.posts(lyon)] == ["Bonjour la France", "Only Lyon"]
    assert len(world.posts(paris)) == 1


async def test_bad_filters_and_empty_text_change_nothing(world: World) -> None:
    world.space("Paris Hub")
    world.member("zoe", coordinator=True)
    assert await world.say("zoe", "/broadcast country:XX hello") == ["XX is not a two-letter country code (e.g. FR, IT, HR)."]
    assert await world.say("zoe", "/broadcast space:nowhere hello") == ["There is no space called nowhere. See /spaces."]
    assert await world.say("zoe", "/broadcast country:DE hello") == ["No linked chat matches this broadcast; nothing was sent."]
    assert await world.say("zoe", "/broadcast country:FR") == ["Usage: /broadcast [country:XX] [space:SLUG] TEXT"]
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
        assert session.exec(select(func.count()).select_from(Broadcast)).one() == 0


async def test_only_coordinators_broadcast(world: World) -> None:
    space = world.space("Paris Hub")
    world.member("ana", space, manager=True)
    assert await world.say("ana", "/broadcast hi", space=space) == ["Only a network coordinator can do that."]


async def test_report_names_chats_the_bot_was_removed_from(world: World) -> None:
    world.space("Paris Hub")
    world.space("Lyon Hub", city="Lyon")
    world.member("zoe", coordinator=True, lang="de")
    await world.say("zoe", "/broadcast Hallo")
    world.adapters["telegram"].failures.append(
        DeliveryError("Forbidden: bot was kicked from the supergroup chat", permanent=True))
    await world.deliver()
    await report(world)
    [text] = world.inbox("zoe")
    assert text.startswith("Rundsendung #1: an 1 von 2 Chats zugestellt.")
    assert "Paris Hub (Telegram): der Bot wurde aus dem Chat entfernt" in text


async def test_report_waits_for_retries_and_counts_stopped_platforms_as_failed(world: World) -> None:
    space = world.space("Paris Hub")
    link_matrix_room(world, space, "!paris:example.org")
    world.member("zoe", coordinator=True)
    del world.adapters["matrix"]  # this process runs Telegram only
    await world.say("zoe", "/broadcast Hi")
    world.adapters["telegram"].failures.append(DeliveryError("network: timed out"))
    await world.deliver()
    await report(world, running=("telegram",))
    assert world.inbox("zoe") == []  # the Telegram row is retried in a few seconds
    world.clock.advance(seconds=3)
    await world.deliver()
    await report(world, running=("telegram",))
    [text] = world.inbox("zoe")
    assert text.startswith("Broadcast #1: delivered to 1 of 2 chats.")
    assert "Paris Hub (Matrix): that platform is not running" in text
    await report(world, running=("telegram",))
    assert len(world.inbox("zoe")) == 1  # reported once
