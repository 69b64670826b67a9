"""/visit as the visitor and the host space's chats see it."""
from __future__ import annotations

from sqlmodel import func, select

from bot.messages import ChatRef
from bot.skills import vocabulary
from bot.spaces import link_chat
from storage.models import OutboxMessage, Space
from tests.world import World


def label(word: str, lang: str) -> str:
    return vocabulary().label(vocabulary().match(word), lang)


async def test_host_chats_learn_who_is_coming_in_their_language(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome", lang="it")
    with world.sessions() as session:
        link_chat(session, ChatRef("matrix", "!roma:example.org"), session.get(Space, rome.id))
        session.commit()
    world.member("ana", paris)
    await world.say("ana", "/skills add graphic design, python", space=paris)
    [reply] = await world.say("ana", "/visit roma-hub 3-5 December", space=paris)
    assert reply == "I told Roma Hub that you are coming. Enjoy your visit!"
    await world.deliver()
    [telegram] = world.posts(rome)
    [matrix] = world.posts(rome, platform="matrix")
    assert telegram == matrix
    assert "Ana (@ana)" in telegram and "Paris Cowork" in telegram and "3-5 December" in telegram
    assert label("graphic design", "it") in telegram and label("python", "it") in telegram
    assert "is coming to visit" not in telegram  # Italian readers get Italian
    assert world.posts(paris) == []


async def test_space_by_name_and_no_dates(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    lyon = world.space("La Cordée Lyon", city="Lyon")
    world.member("ana", paris)
    assert await world.say("ana", "/visit la cordée lyon", space=paris) == [
        "I told La Cordée Lyon that you are coming. Enjoy your visit!"]
    assert await world.say("ana", "/visit La Cordée Lyon next Tuesday") == [
        "I told La Cordée Lyon that you are coming. Enjoy your visit!"]
    await world.deliver()
    first, second = world.posts(lyon)
    assert first == "Ana (@ana) from Paris Cowork is coming to visit soon.\nSay hello when they arrive!"
    assert second.startswith("Ana (@ana) from Paris Cowork is coming to visit: next Tuesday.")


async def test_bad_visits_are_refused_and_post_nothing(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome")
    world.member("ana", paris)
    cases = {
        "/visit atlantis tomorrow": "There is no space called atlantis. See /spaces.",
        "/visit": "Usage: /visit SPACE [dates]",
        "/visit paris-cowork": "Paris Cowork is your own space: no need to announce a visit.",
        "/visit roma-hub " + "x" * 201: "Dates are limited to 200 characters (yours has 201).",
    }
    for command, error in cases.items():
        assert await world.say("ana", command, space=paris) == [error], command
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


async def test_visit_text_is_escaped(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome")
    world.member("ana", paris)
    await world.say("ana", "/visit roma-hub <b>monday</b>", space=paris)
    await world.deliver()
    [(_, reply)] = [(c, r) for c, r in world.adapters["telegram"].sent if c.chat_id == rome.slug]
    assert "&lt;b&gt;monday&lt;/b&gt;" in reply.text
