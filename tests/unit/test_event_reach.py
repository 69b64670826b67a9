"""Which events a member reaches with /rsvp, /events, /ical (and the RSVP buttons and reactions):
those of their own spaces and network events. Another space's own event gets the very answer a
bad id gets, so nothing tells it exists; a cancelled event cannot be answered."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from adapters.matrix_content import reaction_commands
from bot.messages import ChatRef
from storage.models import Manager
from tests.world import World


def snapshot(world: World) -> dict[str, Any]:
    with world.sessions() as session:
        return {t.name: sorted(map(repr, session.execute(sa_select(t)).all())) for t in SQLModel.metadata.sorted_tables}


async def two_spaces(world: World) -> dict[str, Any]:
    paris = world.space("Paris Hub")
    athens = world.space("Athens Loft", city="Athens", country="GR", tz="Europe/Athens")
    world.member("ana", paris, manager=True)
    world.member("nikos", athens, manager=True)
    world.member("bob", paris)
    return {
        "paris": paris, "athens": athens,
        "apero": await world.create_event("ana", "/event Apéro | tomorrow at 6pm", paris),
        "local": await world.create_event("nikos", "/event Athens only | tomorrow at 7pm", athens),
        "meetup": await world.create_event("nikos", "/event Meetup | tomorrow at 8pm | | network", athens),
    }


async def test_another_spaces_own_event_is_answered_like_a_bad_id(world: World) -> None:
    w = await two_spaces(world)
    local = w["local"]
    before = snapshot(world)
    for text in (f"/rsvp {local} yes", f"/rsvp #{local} no", f"/rsvp {local}"):
        assert await world.say("bob", text, space=w["paris"]) == [f"There is no event #{local}. See /events."]
        assert await world.say("bob", text) == [f"There is no event #{local}. See /events."]  # from a DM too
    assert await world.say("bob", "/rsvp 999", space=w["paris"]) == ["There is no event #999. See /events."]
    assert snapshot(world) == before


async def test_own_space_and_network_events_can_be_answered(world: World) -> None:
    w = await two_spaces(world)
    [going] = await world.say("bob", f"/rsvp {w['apero']} yes", space=w["paris"])
    assert going.startswith("👍 You are going to Apéro")
    [going] = await world.say("bob", f"/rsvp {w['meetup']} yes")  # network event, from a DM
    assert going.startswith("👍 You are going to Meetup")


async def test_the_chats_space_and_managed_spaces_are_reached_too(world: World) -> None:
    w = await two_spaces(world)
    [going] = await world.say("bob", f"/rsvp {w['local']} yes", space=w["athens"])  # visiting Athens's chat
    assert going.startswith("👍 You are going to Athens only")
    world.member("eva", w["paris"])
    with world.sessions() as session:
        eva = world._member("eva")
        session.add(Manager(space_id=w["athens"].id, member_id=eva.id))
        session.commit()
    [maybe] = await world.say("eva", f"/rsvp {w['local']} maybe")  # from her DM: she manages Athens
    assert maybe.startswith("🤔 Noted: maybe for Athens only")


async def test_events_and_ical_show_only_own_and_network_events(world: World) -> None:
    w = await two_spaces(world)
    [listing] = await world.say("bob", "/events", space=w["paris"])
    assert "Apéro" in listing and "Meetup at Athens Loft" in listing and "Athens only" not in listing
    [dm_listing] = await world.say("bob", "/events")
    assert dm_listing == listing
    [ical] = await world.replies("bob", "/ical")
    data = ical.file.data.decode()
    assert "SUMMARY:Apéro" in data and "SUMMARY:Meetup" in data and "Athens only" not in data
    await world.say("ana", f"/cancel_event {w['apero']}", space=w["paris"])
    [listing] = await world.say("bob", "/events", space=w["paris"])
    assert "Apéro" not in listing
    [ical] = await world.replies("bob", "/ical")
    assert "Apéro" not in ical.file.data.decode()


async def test_a_cancelled_event_cannot_be_answered(world: World) -> None:
    w = await two_spaces(world)
    await world.say("bob", f"/rsvp {w['apero']} yes", space=w["paris"])
    await world.say("ana", f"/cancel_event {w['apero']}", space=w["paris"])
    await world.say("nikos", f"/cancel_event {w['local']}", space=w["athens"])
    before = snapshot(world)
    for answer in ("yes", "no", "maybe", ""):
        assert await world.say("bob", f"/rsvp {w['apero']} {answer}", space=w["paris"]) == ["Apéro was cancelled."]
    assert await world.say("bob", f"/rsvp {w['local']} yes", space=w["paris"]) == [
        f"There is no event #{w['local']}. See /events."]  # cancelled or not, not bob's to see
    assert snapshot(world) == before


async def test_a_manager_cannot_reach_another_spaces_event_to_cancel_it(world: World) -> None:
    w = await two_spaces(world)
    before = snapshot(world)
    assert await world.say("ana", f"/cancel_event {w['local']}", space=w["paris"]) == [
        f"There is no event #{w['local']}. See /events."]  # not "only a manager of Athens Loft"
    assert snapshot(world) == before


async def test_buttons_and_reactions_go_through_the_same_rsvp(world: World) -> None:
    """Telegram sends a pressed button's command, Matrix a reaction's: both are the /rsvp command."""
    w = await two_spaces(world)
    await world.deliver()
    announcement = next(r for c, r in world.adapters["telegram"].sent
                        if c == world.chat_of(w["athens"]) and "Athens only" in r.text)
    commands = [b.command for b in announcement.buttons[0]]
    assert commands == [f"/rsvp {w['local']} yes", f"/rsvp {w['local']} maybe", f"/rsvp {w['local']} no"]
    assert reaction_commands(announcement) == dict(zip("👍🤔👎", commands, strict=True))
    world.member("zoe", w["athens"])
    [going] = await world.say("zoe", commands[0], space=w["athens"])  # pressed in Athens's chat
    assert going.startswith("👍 You are going to Athens only")
    # The same button pressed elsewhere (a forwarded announcement in a Paris member's DM) reaches nothing.
    assert await world.say("bob", commands[0], chat=ChatRef("telegram", "bob", is_direct=True)) == [
        f"There is no event #{w['local']}. See /events."]
