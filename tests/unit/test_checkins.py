"""Check-ins as members see them: /checkin, /checkout, /here."""
from __future__ import annotations

from sqlmodel import func, select

from storage.models import CheckIn
from tests.world import World


async def test_two_members_see_each_other_here(world: World) -> None:
    space = world.space("Make It Marseille")
    world.member("ana", space)
    world.member("bob", space)
    assert (await world.say("ana", "/checkin logo work", space=space))[0].startswith("Checked in at Make It Marseille until")
    await world.say("bob", "/checkin", space=space)
    [text] = await world.say("bob", "/here", space=space)
    assert "2 people here now" in text
    assert "Ana (@ana), since 10:00: logo work" in text
    assert text.endswith("Bob (@bob), since 10:00")


async def test_checkin_again_updates_the_same_row(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/checkin morning", space=space)
    await world.say("ana", "/checkin afternoon for 2h", space=space)
    with world.sessions() as session:
        rows = session.exec(select(CheckIn)).all()
    assert len(rows) == 1
    assert rows[0].note == "afternoon"
    assert rows[0].expires_at == world.clock.now.replace(hour=11)


async def test_checkin_expires_at_closing_time_in_the_space_zone(world: World) -> None:
    space = world.space("Zagreb Hub", city="Zagreb", country="HR", tz="Europe/Zagreb")
    world.member("iva", space)
    [reply] = await world.say("iva", "/checkin", space=space)
    assert "until 20:00." in reply
    world.clock.advance(hours=9, minutes=59)  # 19:59 in Zagreb
    assert "1 person here now" in (await world.say("iva", "/here", space=space))[0]
    world.clock.advance(minutes=2)
    assert (await world.say("iva", "/here", space=space))[0] == "Nobody is checked in at Zagreb Hub right now."


async def test_private_presence_is_only_counted(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    world.member("eve", space, presence=False)
    await world.say("ana", "/checkin", space=space)
    await world.say("eve", "/checkin", space=space)
    [text] = await world.say("ana", "/here", space=space)
    assert "Ana" in text and "Eve" not in text
    assert "+1 other" in text


async def test_overlong_note_is_refused_and_changes_nothing(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    [reply] = await world.say("ana", "/checkin " + "x" * 281, space=space)
    assert reply == "A note is limited to 280 characters (yours has 281)."
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(CheckIn)).one() == 0


async def test_checkout(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    assert await world.say("ana", "/checkout", space=space) == ["You are not checked in anywhere."]
    await world.say("ana", "/checkin", space=space)
    assert await world.say("ana", "/checkout", space=space) == ["Checked out of Hub. See you soon!"]
    assert (await world.say("ana", "/here", space=space))[0].startswith("Nobody")


async def test_checking_in_again_keeps_the_stay_moving_starts_a_new_one(world: World) -> None:
    hub = world.space("Hub")
    annex = world.space("Annex")
    world.member("ana", hub)
    await world.say("ana", "/checkin", space=hub)  # 10:00 in Paris
    world.clock.advance(hours=1)
    await world.say("ana", "/checkin still here", space=hub)
    assert "Ana (@ana), since 10:00: still here" in (await world.say("ana", "/here", space=hub))[0]
    world.clock.advance(hours=1)
    await world.say("ana", "/checkin", space=annex)
    assert (await world.say("ana", "/here", space=hub))[0] == "Nobody is checked in at Hub right now."
    assert (await world.say("ana", "/here", space=annex))[0].endswith("Ana (@ana), since 12:00")
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(CheckIn)).one() == 1
