"""/mydata and /forgetme: what a member can see and erase about themselves."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.privacy import text_columns
from storage.models import CheckIn, Member
from tests.world import World


async def test_mydata_is_a_json_file_of_what_we_store(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/checkin sketching the new logo", space=space)
    [reply] = await world.replies("ana", "/mydata")
    assert reply.file is not None and reply.file.name == "mydata.json"
    data = json.loads(reply.file.data)
    assert data["member"]["user_id"] == "ana"
    assert data["checkin"][0]["note"] == "sketching the new logo"


async def test_forgetme_asks_first_then_removes_every_trace(world: World) -> None:
    space = world.space("Hub")
    other = world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb")
    world.member("zelda", space)
    world.member("bob", space, manager=True)
    world.member("ivo", other)
    await world.say("bob", "/event Zelda's party | tomorrow at 18:00", space=space)
    await world.say("bob", "/confirm 1", space=space)
    for command in ("/checkin writing about zelda's secret plans", "/skills add translation, zelda-craft",
                    "/need a designer for zelda's logo #design", "/rsvp 1 yes", "/intro on",
                    "/visit annex next week with zelda's friends"):
        [reply] = await world.replies("zelda", command, space=space)
        assert not reply.error, (command, reply.text)
    await world.say("ivo", "/skills add graphic design")
    await world.say("ivo", "/help_with 1")
    await world.deliver()
    [warning] = await world.replies("zelda", "/forgetme")
    assert warning.buttons[0][0].command == "/forgetme confirm"
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 3  # nothing yet
    [done] = await world.say("zelda", "/forgetme confirm")
    assert done.startswith("Done")
    with world.sessions() as session:
        leftovers = []
        for table, column in text_columns():
            rows = session.execute(select(table.c[column]).where(table.c[column].ilike("%zelda%"))).all()
            leftovers += [(table.name, column, r[0]) for r in rows if table.name != "event"]
        assert leftovers == []
        # the check-in still counts, anonymously
        checkin = session.execute(select(CheckIn)).scalar_one()
        assert checkin.member_id is None and checkin.note == "" and checkin.ended_at == world.clock.now
    assert await world.say("bob", "/here", space=space) == ["Nobody is checked in at Hub right now."]
