"""/who SKILL: the network's directory of skills, as members see it."""
from __future__ import annotations

from tests.world import World, plain


async def test_who_finds_listed_members_across_the_network_in_any_language(world: World) -> None:
    athens = world.space("Impact Hub Athens", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome", lang="it")
    world.member("nikos", athens, lang="el")
    world.member("lucia", rome, lang="it")
    world.member("hidden", rome, directory=False)
    world.member("ana", athens, lang="en")
    await world.say("lucia", "/skills add grafica", space=rome)
    await world.say("hidden", "/skills add graphic design", space=rome)
    await world.say("nikos", "/skills add python", space=athens)
    [reply] = await world.say("ana", "/who γραφίστας")
    lines = reply.splitlines()
    assert lines[0] == "1 member with graphic design or a related skill"
    assert lines[1] == "• Lucia (Roma Hub, Rome): graphic design"
    assert "Hidden" not in reply and "Nikos" not in reply  # no consent; another family
    assert lines[-1] == "Only members who agreed to be listed are shown. To get in touch, post a request with /need."
    [italian] = await world.say("lucia", "/who graphic design")
    assert "grafica" in italian.splitlines()[1]  # in the reader's language


async def test_who_lists_the_skill_first_then_related_skills(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("zed", hub)
    world.member("bob", hub)
    await world.say("zed", "/skills add programming", space=hub)
    await world.say("bob", "/skills add devops", space=hub)  # related to programming in the vocabulary
    [reply] = await world.say("ana", "/who devops")
    names = [line.split(" (")[0] for line in reply.splitlines()[1:3]]
    assert names == ["• Bob", "• Zed"]


async def test_who_is_paginated_with_a_next_button(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    for i in range(1, 21):
        world.member(f"m{i:02d}", hub)
        await world.say(f"m{i:02d}", "/skills add translation", space=hub)
    [first] = await world.replies("ana", "/who translation")
    text = plain(first.text)
    assert text.startswith("20 members with translation or a related skill")
    assert text.count("• ") == 15 and "Page 1 of 2, 5 more." in text
    [[next_page]] = first.buttons
    assert next_page.command == "/who translation 2"
    [second] = await world.replies("ana", next_page.command)
    assert plain(second.text).count("• ") == 5 and "• M20 (Hub, Marseille)" in plain(second.text)


async def test_who_for_an_unknown_skill_only_helps(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("bob", hub)
    await world.say("bob", "/skills add Σουβλάκι", space=hub)
    assert await world.say("ana", "/who xylofrobnication") == [
        "I don't know the skill \u201cxylofrobnication\u201d, and nobody lists it.\n"
        "Try another word for it, or post a request with /need: it is shown to the whole network."]
    assert await world.say("ana", "/who accounting") == [
        "Nobody in the directory lists accounting or a related skill yet.\n"
        "Post a request with /need: members who have it are asked for you."]
    [found] = await world.say("ana", "/who Σουβλάκι")  # a free tag, found as typed
    assert "• Bob (Hub, Marseille): Σουβλάκι" in found
    assert await world.say("ana", "/who") == ["Usage: /who SKILL, e.g. /who graphic design"]
    assert await world.say("ana", "/who " + "x" * 61) == ["A skill is limited to 60 characters."]
