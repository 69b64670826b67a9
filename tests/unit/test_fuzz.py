"""Arbitrary input to every command, from every role, under any display name: no crash, no partial
write, a clear reply. Runs on SQLite and, when COWORKBOT_TEST_POSTGRES_URL is set, on PostgreSQL
(which refuses NUL in text, where SQLite stores it)."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.commands import TABLE
from bot.messages import ChatRef, Message, Sender
from storage.models import Manager, Member, Space
from tests.world import World

CONTROL = st.characters(codec="utf-8", categories=["Cc"])  # NUL, C0, DEL, C1
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["0", "-1", "1", "2", "3", "2147483647", "2147483648", "9" * 40, "#1", "٣", "1e9", "1.5"]),
)
ATOM = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.one_of(CONTROL, st.sampled_from("ab é|#1 \n\t")), max_size=40),
    st.text(alphabet=st.sampled_from("<>&\"'|#@!/*_`[]()~\\\n\t {}%"), max_size=40),
    NUMBERS,
    NUMBERS.map(lambda n: f"for {n}h"), NUMBERS.map(lambda n: f"for {n}m"), NUMBERS.map(lambda n: f"max {n}"),
    NUMBERS.map(lambda n: f"{n}-12-31 23:59"),
    st.sampled_from([
        "<b>", "</i>", "&amp;", "{p}", "{name}", "%s", "| | |", "confirm", "yes", "no", "maybe", "network",
        "tomorrow at 6pm", "every friday 9:00", "9999-12-31 23:59", "Europe/Paris", "europe/paris", "Factory",
        "Etc/GMT+5", "FR", "Hub", "hub", "other", "Ωμέγα", "東京", "\x00", "a\x00b", "\x85", "\u202e", "🙂" * 50,
    ]),
)
VERB = st.sampled_from(["", "create", "link", "unlink", "add", "remove", "on", "off", "yes", "no", "msg",
                        "run", "week", "month", "country:FR", "space:hub", "network", "confirm", "pause"])
ARGS = st.one_of(
    ATOM,
    st.builds(lambda verb, atoms, sep: f"{verb} {sep.join(atoms)}".strip(), VERB,
              st.lists(ATOM, min_size=1, max_size=5), st.sampled_from([" | ", " ", "|", ", "])),
    st.text(min_size=3900, max_size=4200),  # around the length limit
)
NAMES = st.one_of(
    st.sampled_from(["", "Al", "Tom & Jerry", "o'brien", "<b>Bold</b>", "Zed\x00", "\x00", "\x1b[31mRed\x9b"]),
    st.text(max_size=40),
    st.text(alphabet=st.one_of(CONTROL, st.sampled_from("Ab é")), max_size=40),
    st.text(min_size=200, max_size=400),  # beyond the 255 characters a name keeps
)
ROLES = ["coordinator", "manager", "member", "newcomer"]
PLACES = ["hub", "other", "dm", "unlinked"]
COMMANDS = [c.name for c in TABLE]


def snapshot(world: World) -> dict[str, Any]:
    """Every row of every table (the test database is tiny)."""
    with world.sessions() as session:
        return {t.name: sorted(map(repr, session.execute(select(t)).all())) for t in SQLModel.metadata.sorted_tables}


async def build_world(world: World) -> dict[str, Space]:
    """Two spaces with events (own, network, cancelled) and a request, so that ids meet real rows."""
    hub, other = world.space("Hub"), world.space("Other", city="Athens", country="GR", tz="Europe/Athens")
    world.member("oli", other, manager=True)
    await world.create_event("oli", "/event Local | tomorrow at 7pm | | max 2", other)
    await world.create_event("oli", "/event Meetup | tomorrow at 8pm | | network", other)
    gone = await world.create_event("oli", "/event Gone | tomorrow at 9pm", other)
    await world.say("oli", f"/cancel_event {gone}", space=other)
    await world.say("oli", "/need a logo #design", space=other)
    return {"hub": hub, "other": other}


def ensure_cast(world: World, hub: Space) -> None:
    """The coordinator, manager and member of Hub (again, after a /forgetme confirm); no newcomer yet."""
    with world.sessions() as session:
        present = set(session.exec(select(Member.user_id)).scalars())
        newcomer = session.exec(select(Member).where(Member.user_id == "newcomer")).scalars().first()
        if newcomer is not None:  # stays new: every example meets a first contact
            session.delete(newcomer)
            session.commit()
    if "coordinator" not in present:
        world.member("coordinator", hub, coordinator=True)
    if "manager" not in present:
        world.member("manager", hub, manager=True)
    if "member" not in present:
        world.member("member", hub)
    with world.sessions() as session:  # a manager who forgot themselves comes back without the role
        manager = session.exec(select(Member).where(Member.user_id == "manager")).scalars().one()
        if not session.exec(select(Manager).where(Manager.member_id == manager.id)).first():
            session.add(Manager(space_id=hub.id, member_id=manager.id))
            session.commit()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(COMMANDS), args=ARGS, role=st.sampled_from(ROLES), place=st.sampled_from(PLACES),
       display_name=NAMES, handle=st.one_of(st.none(), NAMES), bang=st.booleans())
async def test_any_input_to_any_command(world: World, name: str, args: str, role: str, place: str,
                                        display_name: str, handle: str | None, bang: bool) -> None:
    if not hasattr(world, "fuzz_spaces"):
        world.fuzz_spaces = await build_world(world)  # type: ignore[attr-defined]
    spaces = world.fuzz_spaces  # type: ignore[attr-defined]
    ensure_cast(world, spaces["hub"])
    chat = {"dm": ChatRef("telegram", role, is_direct=True), "unlinked": ChatRef("telegram", "-999")}.get(place)
    chat = chat or world.chat_of(spaces[place])
    sender = Sender("telegram", role, display_name=display_name, handle=handle)
    text = f"/{name}{'@CoworkBot' if bang else ''} {args}"
    before = snapshot(world)
    replies = await world.core.handle(Message(chat, sender, text, prefix="/"))
    assert replies and all(r.text.strip() for r in replies), (text, replies)
    assert not any("Something went wrong" in r.text for r in replies), (text, replies)
    if any(r.error for r in replies):
        assert snapshot(world) == before, (text, replies)  # refused or rejected: nothing changed
