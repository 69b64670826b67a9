"""/skills as members see it: normalized tags, labels in the reader's language, free tags kept."""
from __future__ import annotations

from sqlmodel import func, select

from bot.skills import vocabulary
from storage.models import MemberSkill
from tests.world import World


def label(word: str, lang: str) -> str:
    """The vocabulary's label, in ``lang``, of the skill ``word`` maps to."""
    skill = vocabulary().match(word)
    assert skill is not None, word
    return vocabulary().label(skill, lang)


def stored_tags(world: World) -> list[str]:
    with world.sessions() as session:
        return list(session.exec(select(MemberSkill.tag).order_by(MemberSkill.id)))


async def test_skills_are_shown_in_the_readers_language(world: World) -> None:
    space = world.space("Hub")
    world.member("lucia", space, lang="it")
    [reply] = await world.say("lucia", "/skills add grafica, traduzione", space=space)
    assert label("grafica", "it") in reply and label("traduzione", "it") in reply
    await world.say("lucia", "/lang de")
    [german] = await world.say("lucia", "/skills")
    assert label("grafica", "de") in german and label("traduzione", "de") in german
    assert label("grafica", "de") != label("grafica", "it")


async def test_case_accents_and_spelling_variants_give_one_tag(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/skills add Grafica, GRAFICA", space=space)
    await world.say("ana", "/skills add graphic design", space=space)
    assert stored_tags(world) == [vocabulary().match("grafica")]


async def test_unknown_tags_are_kept_as_free_tags(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    [reply] = await world.say("ana", "/skills add Underwater Hockey", space=space)
    assert "underwater hockey" in reply
    assert "Not in the shared vocabulary, kept as you wrote them: underwater hockey" in reply
    assert stored_tags(world) == ["free:underwater hockey"]


async def test_remove_and_errors_change_nothing(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    assert await world.say("ana", "/skills", space=space) == [
        "You have not listed any skills yet. Add some with /skills add design, translation."]
    await world.say("ana", "/skills add python, translation", space=space)
    [reply] = await world.say("ana", "/skills remove Python", space=space)
    assert label("python", "en") not in reply and label("translation", "en") in reply
    [error] = await world.say("ana", "/skills remove knitting", space=space)
    assert error == "You don't list knitting among your skills."
    assert await world.say("ana", "/skills add " + "x" * 61, space=space) == ["A skill is limited to 60 characters."]
    assert await world.say("ana", "/skills remove", space=space) == ["Usage: /skills [add|remove] tag, tag"]
    assert stored_tags(world) == [vocabulary().match("translation")]


async def test_at_most_thirty_skills(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/skills add " + ", ".join(f"skill{i}" for i in range(30)), space=space)
    assert await world.say("ana", "/skills add one more", space=space) == ["You can list at most 30 skills."]
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(MemberSkill)).one() == 30


async def test_skills_are_escaped(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    [reply] = await world.replies("ana", "/skills add <b>bold</b>", space=space)
    assert "<b>bold" not in reply.text and "&lt;b&gt;" in reply.text
