"""/stats for managers and the anonymous CSV export."""
from __future__ import annotations

import csv
import io

from bot.stats import export_csv
from tests.world import World


async def test_manager_gets_summary_and_png_chart(world: World) -> None:
    space = world.space("Hub")
    world.member("max", space, manager=True)
    world.member("ana", space)
    await world.say("ana", "/checkin for 3h", space=space)  # Wednesday 10:00-13:00 Paris
    world.clock.advance(days=1)
    await world.say("max", "/checkin for 1h", space=space)
    world.clock.advance(hours=2)
    [reply] = await world.replies("max", "/stats", space=space)
    assert reply.file is not None and reply.file.data.startswith(b"\x89PNG")
    assert "2 check-ins" in reply.text and "2 different members" in reply.text
    assert "Busiest: Wed at 10:00" in reply.text
    assert await world.say("max", "/stats year", space=space) == ["Usage: /stats [week|month]"]


async def test_members_cannot_see_stats(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    assert await world.say("ana", "/stats", space=space) == ["Only a manager of this space can do that."]


async def test_csv_export_has_only_counts(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/checkin secret project for 2h", space=space)
    with world.sessions() as session:
        text = export_csv(session, "hub", 3, world.clock.now)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["date"] for r in rows] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert rows[-1]["checkins"] == "1" and rows[-1]["person_hours"] == "2"
    assert "ana" not in text.lower() and "secret" not in text
