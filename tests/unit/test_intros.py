"""Introduction rounds and double opt-in answers, as members see them."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.intro_pairing import Person, pair_people
from bot.intro_round import weekly_round
from bot.scheduler import Scheduler
from storage.models import Introduction, Member
from tests.world import World, plain

INVITE = "Introduction round: would you like to meet"
ALONE = "This week's introduction round found nobody new for you, sorry. You stay in for the next round."


async def run(world: World) -> str:
    """A coordinator runs a round; everything queued is delivered."""
    if world._member("cora") is None:
        world.member("cora", coordinator=True)
    [reply] = await world.say("cora", "/intros run")
    await world.deliver()
    return reply


def intros(world: World) -> list[Introduction]:
    with world.sessions() as session:
        return list(session.exec(select(Introduction).order_by(Introduction.id)))


async def test_intro_on_off(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    assert await world.say("ana", "/intro") == ["Introduction rounds: off. Change with /intro on|off."]
    assert (await world.say("ana", "/intro on"))[0].startswith("You are in the introduction rounds")
    assert await world.say("ana", "/intro") == ["Introduction rounds: on. Change with /intro on|off."]
    assert await world.say("ana", "/intro off") == ["You are out of the introduction rounds."]
    usage = ["Usage: /intro on|off, /intro pause 2w|off, /intro yes|no ID, /intro msg ID TEXT"]
    assert await world.say("ana", "/intro maybe") == usage
    assert await world.say("ana", "/intro yes -1") == usage
    assert await world.say("ana", "/intro yes 99999999999999999999") == ["You have no introduction #99999999999999999999."]
    assert await world.say("ana", "/intro yes ²") == usage
    assert await world.say("ana", "/intro yes 7") == ["You have no introduction #7."]


async def test_round_pairs_across_spaces_and_only_opted_in(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome", lang="it")
    world.member("ana", paris, intros=True)
    world.member("bob", paris, intros=True)
    world.member("gio", rome, intros=True, lang="it")
    world.member("eva", rome, intros=True)
    world.member("out", paris)  # not opted in
    assert await run(world) == "Introduction round done: 2 pairs, 0 without a match."
    spaces = {"ana": "P", "bob": "P", "gio": "R", "eva": "R"}
    names = {world._member(n).id: n for n in spaces}
    for intro in intros(world):
        assert spaces[names[intro.member_a_id]] != spaces[names[intro.member_b_id]]
    assert world.inbox("out") == []
    [invite] = world.inbox("ana")
    assert invite.startswith(INVITE) and "Roma Hub, Rome" in invite and "@" not in invite
    [italian] = world.inbox("gio")
    assert "Paris Cowork, Paris" in italian and not italian.startswith(INVITE)


async def test_complementary_skills_and_needs_are_preferred(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub, intros=True)
    world.member("bob", hub, intros=True)
    for name in ("cyd", "dan"):
        world.member(name, world.space(name.capitalize(), city="Lyon"), intros=True)
    await world.say("bob", "/skills add graphic design", space=hub)
    await world.say("ana", "/need a graphic designer for my logo", space=hub)
    await run(world)
    pairs = {frozenset((i.member_a_id, i.member_b_id)) for i in intros(world)}
    assert frozenset((world._member("ana").id, world._member("bob").id)) in pairs


async def test_no_pair_twice_within_90_days_and_odd_one_out_is_told(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub, intros=True)
    world.member("bob", hub, intros=True)
    assert await run(world) == "Introduction round done: 1 pair, 0 without a match."
    world.clock.advance(days=7)
    assert await run(world) == "Introduction round done: 0 pairs, 2 without a match."
    assert world.inbox("ana")[-1] == ALONE and world.inbox("bob")[-1] == ALONE
    world.clock.advance(days=84)
    assert await run(world) == "Introduction round done: 1 pair, 0 without a match."
    world.member("cyd", hub, intros=True)
    world.clock.advance(days=91)
    assert await run(world) == "Introduction round done: 1 pair, 1 without a match."
    assert sum(ALONE in text for who in ("ana", "bob", "cyd") for text in world.inbox(who)[-1:]) == 1


async def test_one_introduction_per_member_per_round(world: World) -> None:
    people = [Person(i, i % 7, frozenset({f"s{i % 5}"}), frozenset({f"s{(i + 1) % 5}"})) for i in range(1, 1002)]
    import random

    pairs, alone = pair_people(people, set(), lambda tag: {"s0", "s1"}, random.Random(4))
    ids = [p.id for pair in pairs for p in pair]
    assert len(ids) == len(set(ids)) and len(alone) == 1001 - len(ids)
    assert len(pairs) >= 495  # nearly everyone is paired
    assert all(a.space_id != b.space_id for a, b in pairs[:400])


async def test_round_answers_share_handles_only_on_two_yes(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome")
    world.member("ana", paris, intros=True)
    world.member("gio", rome, intros=True)
    await run(world)
    assert await world.say("ana", "/intro yes 1") == ["Thanks! I will share your contacts as soon as Gio says yes too."]
    await world.deliver()
    assert len(world.inbox("gio")) == 1  # only the invitation, no handle
    assert await world.say("gio", "/intro yes 1") == ["You and Ana both said yes!\nYou can write to Ana directly: @ana"]
    await world.deliver()
    assert world.inbox("ana")[-1] == "You and Gio both said yes!\nYou can write to Gio directly: @gio"
    assert await world.say("gio", "/intro yes 1") == ["You have both said yes to introduction #1 already."]
    world.member("zed", paris)
    assert await world.say("zed", "/intro yes 1") == ["You have no introduction #1."]


async def test_across_platforms_the_bot_relays(world: World) -> None:
    paris = world.space("Paris Cowork", city="Paris")
    rome = world.space("Roma Hub", city="Rome", country="IT", tz="Europe/Rome")
    world.member("ana", paris, intros=True)
    gio = world.member("@gio:example.org", rome, intros=True, platform="matrix")
    await run(world)
    assert (await world.say("ana", "/intro msg 1 hi"))[0].startswith("I can pass messages on only once")
    await world.say("ana", "/intro yes 1")
    [done] = await world.say(gio, "/intro yes 1")
    assert done == ("You and Ana both said yes!\nAna is on Telegram (@ana), not on the same platform as you. "
                    "Send !intro msg 1 TEXT and I will pass your message on.")
    await world.deliver()
    assert world.inbox("ana")[-1] == (
        "You and @gio:example.org both said yes!\n@gio:example.org is on Matrix (@gio:example.org), not on the "
        "same platform as you. Send /intro msg 1 TEXT and I will pass your message on.")
    assert await world.say("ana", "/intro msg 1 Ciao <Gio>!") == ["Sent to @gio:example.org."]
    await world.deliver()
    assert world.inbox(gio)[-1] == "Message from Ana (@ana) (introduction #1):\nCiao <Gio>!\nAnswer with !intro msg 1 TEXT."


async def test_a_member_without_username_is_reached_through_the_bot(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub, intros=True)
    bob = world.member("bob", hub, intros=True)
    with world.sessions() as session:
        row = session.get(type(bob), bob.id)
        row.handle = None
        session.add(row)
        session.commit()
    await run(world)
    await world.say("bob", "/intro yes 1")
    [done] = await world.say("ana", "/intro yes 1")
    assert "Bob has no public username on Telegram. Send /intro msg 1 TEXT" in done


async def test_only_coordinators_run_rounds(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub)
    assert await world.say("ana", "/intros run") == ["Only a network coordinator can do that."]


async def test_weekly_round_is_scheduled_monday_10_network_time(world: World) -> None:
    from bot.intro_round import schedule_rounds

    scheduler = Scheduler()
    schedule_rounds(scheduler, world.sessions, world.settings, lambda: None)
    job = scheduler._scheduler.get_job("intro-round")
    fire = job.trigger.get_next_fire_time(None, world.clock.now)
    assert fire == datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))


async def test_weekly_round_job_runs_in_its_own_transaction(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub, intros=True)
    world.member("bob", hub, intros=True)
    result = weekly_round(world.sessions, world.clock.now, world.settings)
    assert (result.pairs, result.unmatched) == (1, 0)
    await world.deliver()
    assert world.inbox("ana")[0].startswith(INVITE)


async def test_the_process_schedules_rounds_and_escalation(world: World) -> None:
    import asyncio

    from bot.app import Runtime, schedule_jobs

    runtime = Runtime(world.settings, world.sessions, world.core, world.worker, Scheduler(), asyncio.Event())
    schedule_jobs(runtime)
    assert {"intro-round", "need-escalation"} <= set(runtime.scheduler.job_ids())


async def test_a_round_missed_while_down_is_caught_up_within_a_day(world: World) -> None:
    from bot.intro_round import missed_round

    def missed() -> bool:
        with world.sessions() as session:
            return missed_round(session, world.clock.now, world.settings)

    assert not missed()  # Wednesday: Monday's round is too old to catch up
    world.clock.advance(days=5, hours=1, minutes=30)  # Monday 30 November, 11:30 in Brussels
    assert missed()
    weekly_round(world.sessions, world.clock.now, world.settings)
    assert not missed()
    world.clock.advance(days=7, hours=23)  # the next Monday's round, missed by more than a day
    assert not missed()


async def test_who_was_left_out_is_paired_first_next_round(world: World) -> None:
    hub = world.space("Hub")
    names = ("ana", "bob", "cyd", "dan", "eve")
    for name in names:
        world.member(name, hub, intros=True)
    left_out = []
    for _ in range(5):
        await run(world)
        [alone] = [name for name in names if world.inbox(name)[-1] == ALONE]
        left_out.append(alone)
        world.clock.advance(days=91)  # past the 90 days: anyone may meet anyone again
    assert all(a != b for a, b in zip(left_out, left_out[1:]))  # never the same one twice running
    with world.sessions() as session:
        marked = session.exec(select(Member.user_id).where(Member.intro_left_out_at.is_not(None))).all()
    assert marked == [left_out[-1]]


def test_pairing_serves_the_left_out_first() -> None:
    import random

    people = [Person(i, i % 2, frozenset(), frozenset(), left_out=i == 5) for i in range(1, 6)]
    for seed in range(50):
        pairs, alone = pair_people(people, set(), lambda tag: (), random.Random(seed))
        assert len(pairs) == 2 and alone[0].id != 5


async def test_a_second_round_within_a_day_asks_for_confirmation(world: World) -> None:
    hub = world.space("Hub")
    world.member("ana", hub, intros=True)
    world.member("bob", hub, intros=True)
    world.member("cyd", world.space("Other", city="Lyon"), intros=True)
    await run(world)
    world.clock.advance(minutes=1)
    [question] = await world.replies("cora", "/intros run")
    assert plain(question.text) == (
        "An introduction round already ran on 25 Nov 2026, 10:00.\n"
        "Another one now sends everyone in the rounds a new invitation. Run it anyway?")
    [[button]] = question.buttons
    assert (button.label, button.command) == ("Run another round", "/intros run confirm")
    assert len(intros(world)) == 1  # nothing ran
    assert (await world.say("cora", button.command))[0].startswith("Introduction round done:")
    assert len(intros(world)) == 2
    world.clock.advance(hours=24)
    assert (await world.say("cora", "/intros run"))[0].startswith("Introduction round done:")


async def test_intro_pause_skips_rounds_for_a_while(world: World) -> None:
    hub = world.space("Hub")
    for name in ("ana", "bob", "cyd"):
        world.member(name, hub, intros=True)
    assert await world.say("ana", "/intro pause 2w") == [
        "No introduction rounds for you until 9 December 2026.\nTo end the pause sooner, send /intro pause off."]
    assert await world.say("ana", "/intro") == [
        "Introduction rounds: on. Change with /intro on|off.\n"
        "Paused until 9 December 2026 (/intro pause off ends it)."]
    assert await run(world) == "Introduction round done: 1 pair, 0 without a match."
    assert world.inbox("ana") == []
    world.clock.advance(days=14, minutes=1)
    assert await world.say("ana", "/intro") == ["Introduction rounds: on. Change with /intro on|off."]
    await run(world)
    assert world.inbox("ana")[-1].startswith(INVITE)
    assert (await world.say("bob", "/intro pause 3 semaines"))[0].startswith("No introduction rounds for you until")
    assert await world.say("bob", "/intro pause off") == ["Your pause is over: you are in the next introduction round."]
    assert await world.say("bob", "/intro pause off") == ["Your introduction rounds are not paused."]
    usage = ["Usage: /intro pause 3d|2w|1m, or /intro pause off"]
    assert await world.say("bob", "/intro pause") == usage
    assert await world.say("bob", "/intro pause soon") == usage
    assert await world.say("bob", "/intro pause 0d") == usage
    assert await world.say("bob", "/intro pause 13m") == [
        "A pause is limited to a year. To leave the rounds, send /intro off."]
    world.member("dan", hub)
    assert await world.say("dan", "/intro pause 1m") == [
        "You are not in the introduction rounds. Join them with /intro on."]
    with world.sessions() as session:
        assert session.get(Member, world._member("dan").id).intros_paused_until is None


async def test_help_shows_the_pause_and_the_directory(world: World) -> None:
    world.member("ana", world.space("Hub"))
    [text] = await world.say("ana", "/help")
    assert "/intro on|off · pause 2w|off · yes|no ID · msg ID TEXT" in text
    assert "/who SKILL — members of the network with a skill" in text
