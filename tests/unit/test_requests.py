"""/need, /needs, /help_with, /resolve and escalation, as members see them."""
from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from bot.escalation import escalate_due
from storage.models import NeedAsk, NeedRequest
from tests.world import World, plain


async def escalate(world: World, hours: float = 25) -> int:
    world.clock.advance(hours=hours)
    count = escalate_due(world.sessions, world.clock.now, world.settings)
    await world.deliver()
    return count


@pytest.mark.parametrize("word", ["γραφίστας", "γραφίστα", "Γραφίστες"])
async def test_greek_need_finds_italian_graphic_designer(world: World, word: str) -> None:
    athens = world.space("Impact Hub Athens", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("lucia", athens, lang="it")
    world.member("nikos", athens, lang="el")
    await world.say("lucia", "/skills add grafica", space=athens)
    [reply] = await world.say("nikos", f"/need Ψάχνω {word} για ένα λογότυπο", space=athens)
    assert "#1" in reply
    await world.deliver()
    [asked] = world.inbox("lucia")
    assert f"Ψάχνω {word} για ένα λογότυπο" in asked and "#1" in asked
    assert "Competenze: grafica" in asked and "Posso aiutare" not in asked  # Italian; the button is separate
    [(_, dm)] = world.adapters["telegram"].sent
    assert [b.label for row in dm.buttons for b in row] == ["Posso aiutare"]
    assert world.inbox("nikos") == []  # never asked about one's own request


async def test_croatian_translator_need_reaches_french_member_of_another_space(world: World) -> None:
    zagreb = world.space("Zagreb Hub", city="Zagreb", country="HR", tz="Europe/Zagreb", lang="hr")
    paris = world.space("Paris Cowork", city="Paris", lang="fr")
    world.member("marie", paris, lang="fr")
    world.member("iva", zagreb, lang="hr")
    world.member("ivo", zagreb, lang="hr")
    await world.say("marie", "/skills add traduction", space=paris)
    await world.say("ivo", "/skills add prijevod", space=zagreb)
    await world.say("iva", "/need Trebam prevoditelja za ugovor", space=zagreb)
    await world.deliver()
    assert world.inbox("marie") == [] and len(world.inbox("ivo")) == 1  # other spaces only after NEED_ESCALATE_AFTER
    assert await escalate(world, hours=23) == 0
    assert await escalate(world, hours=2) == 1
    [asked] = world.inbox("marie")
    assert "Trebam prevoditelja za ugovor" in asked
    [told] = world.inbox("iva")
    assert "#1" in told
    assert await escalate(world) == 0  # escalated once
    assert len(world.inbox("marie")) == 1


async def test_with_nobody_to_ask_here_the_network_is_asked_at_once(world: World) -> None:
    zagreb = world.space("Zagreb Hub", city="Zagreb", country="HR", tz="Europe/Zagreb", lang="hr")
    paris = world.space("Paris Cowork", city="Paris", lang="fr")
    world.member("marie", paris, lang="fr")
    world.member("iva", zagreb, lang="en")
    await world.say("marie", "/skills add traduction", space=paris)
    [reply] = await world.say("iva", "/need a translator for a contract", space=zagreb)
    assert reply == ("Request #1 posted.\nSkills: translation\n"
                     "Nobody in Zagreb Hub has these skills, so I asked 1 member of other spaces right away.")
    await world.deliver()
    [asked] = world.inbox("marie")
    assert asked.startswith("Iva de Zagreb Hub a besoin d'aide (demande #1)")
    assert await escalate(world) == 0  # already escalated: nobody is asked twice, the requester is not told twice
    assert len(world.inbox("marie")) == 1 and world.inbox("iva") == []
    [listing] = await world.say("marie", "/needs", space=paris)  # open to the whole network
    assert "#1 · Iva (Zagreb Hub) : a translator for a contract" in listing


async def test_when_nobody_anywhere_has_the_skill_the_requester_is_told_what_else_to_do(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("bob", hub)
    await world.say("bob", "/skills add python", space=hub)
    [reply] = await world.say("ana", "/need someone to do our books #accounting", space=hub)
    lines = reply.splitlines()
    assert lines[2] == "Nobody in the network lists these skills yet, so I could ask no one."
    assert lines[3] == "Your request stays listed for every space in /needs, where anyone can offer help."
    assert lines[4] == "A manager of Hub may know someone."
    assert lines[5].startswith("/who ") and lines[5].endswith(" lists members with this skill or a related one.")
    await world.deliver()
    assert world.inbox("bob") == []
    # Asked here first, nobody elsewhere: the escalation says so instead of staying silent.
    [reply] = await world.say("ana", "/need python help", space=hub)
    assert "I asked 1 member of Hub who has these skills." in reply
    assert await escalate(world) == 1
    told = world.inbox("ana")[-1].splitlines()
    assert told[0] == ("Nobody has offered help on request #2 yet, and nobody in the other spaces lists "
                       "the skills it asks for.")
    assert "/who " in told[-1]


async def test_same_space_first_nobody_twice_and_opt_out_respected(world: World) -> None:
    hub = world.space("Hub")
    other = world.space("Other", city="Lyon")
    world.member("ana", hub)
    world.member("bob", hub)
    world.member("eve", hub, requests=False)
    world.member("zoe", other)
    for who, space in (("ana", hub), ("bob", hub), ("eve", hub), ("zoe", other)):
        await world.say(who, "/skills add python", space=space)
    [reply] = await world.say("ana", "/need a python developer for a scraper", space=hub)
    assert "I asked 1 member of Hub who has these skills." in reply
    await world.deliver()
    assert len(world.inbox("bob")) == 1 and world.inbox("zoe") == [] and world.inbox("eve") == []
    await escalate(world)
    assert len(world.inbox("bob")) == 1 and len(world.inbox("zoe")) == 1 and world.inbox("eve") == []
    assert world.inbox("ana")[-1].startswith("Nobody has offered help on request #1 yet")
    with world.sessions() as session:
        asked = session.exec(select(NeedAsk.member_id).order_by(NeedAsk.member_id)).all()
    assert len(asked) == 2


async def test_help_with_shares_handles_only_after_both_say_yes(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("bob", hub)
    await world.say("bob", "/skills add python", space=hub)
    await world.say("ana", "/need python help", space=hub)
    await world.deliver()
    [offer] = await world.say("bob", "/help_with 1")
    assert offer.startswith("Thank you! I asked Ana whether")
    await world.deliver()
    [question] = world.inbox("ana")
    assert "Bob from Hub, Marseille offers to help with your request #1" in question
    assert "@bob" not in question  # no handle before both said yes
    sent = world.adapters["telegram"].sent
    buttons = [b.command for row in sent[-1][1].buttons for b in row]
    assert buttons == ["/intro yes 1", "/intro no 1"]
    [done] = await world.replies("ana", "/intro yes 1")
    assert plain(done.text) == ("You and Bob both said yes!\nYou can write to Bob directly: @bob\n"
                                "Once you have the help you needed, close request #1: /resolve 1.")
    [[resolved]] = done.buttons
    assert (resolved.label, resolved.command) == ("Resolved? Close #1", "/resolve 1")
    await world.deliver()
    assert world.inbox("bob")[-1] == "You and Ana both said yes!\nYou can write to Ana directly: @ana"
    assert await world.say("ana", resolved.command) == ["Request #1 is closed. Thanks!"]


async def test_declined_help_shares_nothing(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("bob", hub, platform="telegram")
    await world.say("ana", "/need a logo designer", space=hub)
    await world.say("bob", "/help_with 1")
    assert await world.say("ana", "/intro no 1") == ["All right, I will not introduce you to Bob."]
    await world.deliver()
    assert world.inbox("bob") == ["The introduction with Ana will not go ahead this time. Thank you!"]
    assert await world.say("bob", "/intro yes 1") == ["Introduction #1 will not go ahead: one of you said no."]


async def test_help_with_errors(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("bob", hub)
    await world.say("ana", "/need a logo designer", space=hub)
    assert await world.say("ana", "/help_with 1") == ["That is your own request."]
    assert await world.say("bob", "/help_with 99") == ["There is no open request #99."]
    assert await world.say("bob", "/help_with abc") == ["Usage: /help_with ID"]
    assert await world.say("bob", "/help_with -1") == ["Usage: /help_with ID"]
    assert await world.say("bob", "/help_with 99999999999999999999") == ["There is no open request #99999999999999999999."]
    await world.say("bob", "/help_with 1")
    assert await world.say("bob", "/help_with 1") == ["You already offered help on request #1."]


async def test_only_an_accepted_introduction_stops_escalation(world: World) -> None:
    hub = world.space("Hub")
    other = world.space("Other", city="Lyon")
    for name in ("ana", "bob", "cyd"):
        world.member(name, hub)
    world.member("zoe", other)
    for who, space in (("bob", hub), ("cyd", hub), ("zoe", other)):
        await world.say(who, "/skills add python", space=space)
    await world.say("ana", "/need a python developer", space=hub)
    await world.say("ana", "/need python for a second project", space=hub)
    await world.say("ana", "/need python once more", space=hub)
    await world.say("bob", "/help_with 1")
    await world.say("ana", "/intro no 1")  # declined: still no help
    await world.say("bob", "/help_with 2")
    await world.say("ana", "/intro yes 2")  # accepted: helped
    await world.say("cyd", "/help_with 3")  # offered, not answered yet: not help either
    await world.deliver()
    assert await escalate(world) == 2
    with world.sessions() as session:
        escalated = session.exec(select(NeedRequest.id).where(col(NeedRequest.escalated_at).is_not(None))).all()
        asked = session.exec(select(NeedAsk.request_id, NeedAsk.member_id)).all()
    assert sorted(escalated) == [1, 3]
    zoe, bob = world._member("zoe").id, world._member("bob").id
    assert (1, zoe) in asked and (3, zoe) in asked and (2, zoe) not in asked
    assert (1, bob) in asked  # bob was asked in his space, offered, was declined: never asked again
    assert sum(1 for request_id, member_id in asked if member_id == bob) == 3


async def test_needs_lists_open_requests_and_resolve(world: World) -> None:
    hub = world.space("Hub")
    other = world.space("Other", city="Lyon")
    world.member("ana", hub)
    world.member("bob", hub)
    world.member("max", hub, manager=True)
    world.member("zoe", other)
    await world.say("ana", "/need a logo designer", space=hub)
    await world.say("zoe", "/need someone who speaks Greek", space=other)
    [listing] = await world.say("bob", "/needs", space=hub)
    assert "#1 · Ana (Hub): a logo designer" in listing and "Greek" not in listing
    await escalate(world)  # zoe's request becomes network-wide
    [listing] = await world.say("bob", "/needs", space=hub)
    assert "Zoe (Other): someone who speaks Greek" in listing
    assert await world.say("bob", "/resolve 1", space=hub) == [
        "Only the person who asked, or a manager of their space, can close request #1."]
    assert await world.say("ana", "/resolve 1", space=hub) == ["Request #1 is closed. Thanks!"]
    assert await world.say("max", "/resolve 2", space=hub) == [
        "Only the person who asked, or a manager of their space, can close request #2."]
    assert await world.say("ana", "/resolve 1", space=hub) == ["There is no open request #1."]
    [listing] = await world.say("bob", "/needs", space=hub)
    assert "logo" not in listing


async def test_a_manager_closes_a_request_of_their_space(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    world.member("max", hub, manager=True)
    await world.say("ana", "/need a logo designer", space=hub)
    assert await world.say("max", "/resolve 1", space=hub) == ["Request #1 is closed. Thanks!"]


async def test_overlong_or_empty_need_is_refused_and_stores_nothing(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    assert await world.say("ana", "/need " + "x" * 1001, space=hub) == [
        "A request is limited to 1000 characters (yours has 1001)."]
    assert await world.say("ana", "/need", space=hub) == ["Usage: /need TEXT [#tag ...]"]
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(NeedRequest)).one() == 0


async def test_dms_fall_back_to_the_readers_home_space_language(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris", lang="fr")
    world.member("ana", paris)
    world.member("bob", paris)
    await world.say("ana", "/need un traducteur pour un contrat", space=paris)
    await world.say("bob", "/help_with 1", space=paris)
    await world.deliver()
    [question] = world.inbox("ana")
    assert question.startswith("Bob de Paris Cowork, Paris propose de t'aider pour ta demande #1")


async def test_free_tags_are_shown_as_typed_to_every_reader(world: World) -> None:
    athens = world.space("Impact Hub Athens", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("nikos", athens, lang="el")
    world.member("lucia", athens, lang="it")
    world.member("ana", athens, lang="en")
    await world.say("lucia", "/skills add Λουκουμάδες", space=athens)
    [reply] = await world.say("nikos", "/need Θέλω βοήθεια #Λουκουμάδες #Σουβλάκι-Πίτα", space=athens)
    assert "Λουκουμάδες, Σουβλάκι-Πίτα" in reply and "λουκουμαδες" not in reply
    await world.deliver()
    [asked] = world.inbox("lucia")  # matched on the folded form, shown as typed
    assert "Competenze: Λουκουμάδες, Σουβλάκι-Πίτα" in asked
    [listing] = await world.say("ana", "/needs", space=athens)
    assert "Skills: Λουκουμάδες, Σουβλάκι-Πίτα" in listing


async def test_needs_in_a_direct_chat_covers_the_home_space_and_the_network(world: World) -> None:
    hub = world.space("Hub")
    other = world.space("Other", city="Lyon")
    far = world.space("Far", city="Nice")
    world.member("ana", hub)
    world.member("bob", hub)
    world.member("zoe", other)
    world.member("fay", far)
    await world.say("bob", "/skills add python", space=hub)
    await world.say("fay", "/skills add python", space=far)
    await world.say("ana", "/need python help", space=hub)  # bob is asked: Hub's own for now
    await world.say("zoe", "/need a python script", space=other)  # nobody in Other: the network at once
    await world.say("fay", "/need a python mentor", space=far)  # nobody else in Far: the network too
    [listing] = await world.say("bob", "/needs")  # direct chat
    assert "#1 · Ana (Hub)" in listing and "#2 · Zoe (Other)" in listing and "#3 · Fay (Far)" in listing
    world.member("max", other)
    [listing] = await world.say("max", "/needs")
    assert "#1 · Ana (Hub)" not in listing and "#2 · Zoe (Other)" in listing


async def test_the_escalation_check_follows_need_escalate_after(world: World) -> None:
    from dataclasses import replace as with_
    from datetime import timedelta

    from bot.escalation import schedule_escalation
    from bot.scheduler import Scheduler

    for after, seconds in ((timedelta(hours=24), 8640), (timedelta(hours=1), 360), (timedelta(minutes=5), 60)):
        scheduler = Scheduler()
        schedule_escalation(scheduler, world.sessions, with_(world.settings, need_escalate_after=after), lambda: None)
        trigger = scheduler._scheduler.get_job("need-escalation").trigger
        assert trigger.interval.total_seconds() == seconds
