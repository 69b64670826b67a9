"""Arbitrary input to every command: no crash, no partial write, a clear reply."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.commands import TABLE
from tests.world import World

NASTY = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("<>&\"'|#@!/*_`[]()~\\\n\t {}%"), max_size=80),
    st.sampled_from(["<b>", "</i>", "&amp;", "{p}", "{name}", "%s", "| | |", "for 999h", "for 0m",
                     "confirm", "add , ,", "yes", "-1", "99999999999999999999", "\x00", "🙂" * 50]),
    st.text(min_size=4000, max_size=5000),
)
SAFE_COMMANDS = [c.name for c in TABLE if c.name not in ("forgetme",)]  # forgetme confirm deletes the speaker


def snapshot(world: World) -> dict[str, Any]:
    """Every row of every table (the test database is tiny)."""
    with world.sessions() as session:
        return {t.name: sorted(map(repr, session.execute(select(t)).all())) for t in SQLModel.metadata.sorted_tables}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SAFE_COMMANDS), args=NASTY, in_group=st.booleans())
async def test_any_input_to_any_command(world: World, name: str, args: str, in_group: bool) -> None:
    if not hasattr(world, "hub"):
        world.hub = world.space("Hub")  # type: ignore[attr-defined]
        world.member("cora", world.hub, coordinator=True)  # type: ignore[attr-defined]
    before = snapshot(world)
    replies = await world.replies("cora", f"/{name} {args}", space=world.hub if in_group else None)  # type: ignore[attr-defined]
    assert replies and all(r.text.strip() for r in replies)
    assert not any("Something went wrong" in r.text for r in replies), replies
    if any(r.error for r in replies):
        assert snapshot(world) == before  # refused or rejected: nothing changed
