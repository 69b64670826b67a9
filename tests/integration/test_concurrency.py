"""Invariants held by the database, not by timing: many threads and processes at once.

Each test fires the same command from N threads (each its own event loop and
database session, as two instances would) or N processes against one
database, on SQLite and on PostgreSQL, and checks what members would see:
one open check-in, never more "going" than seats, one member per platform
identity, every outbox row sent exactly once by two delivery workers.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlmodel import func, select

from bot.config import Settings
from bot.core import Core
from bot.messages import ChatRef, Message, Reply, Sender
from bot.outbox import DeliveryWorker, enqueue
from storage.db import create_db_engine, session_factory
from storage.models import CheckIn, Member, OutboxMessage, Rsvp
from tests.world import FakeAdapter, World, plain

THREADS = 12


def _together(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run ``action(i)`` in ``count`` threads released at the same moment; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _say(core: Core, user: str, text: str, chat: ChatRef | None = None) -> list[str]:
    chat = chat or ChatRef("telegram", user, is_direct=True)
    message = Message(chat, Sender("telegram", user, display_name=user.capitalize()), text)
    return [plain(r.text) for r in asyncio.run(core.handle(message))]


def _own_core(world: World) -> Core:
    """Another instance's core: its own engine and connection pool on the same database."""
    return Core(world.settings, session_factory(create_db_engine(world.settings.database_url)), clock=world.clock)


def _no_failure(answers: list[list[str]]) -> None:
    for replies in answers:
        assert replies, "every message is answered"
        assert not any("Something went wrong" in r for r in replies), replies


async def test_one_member_checking_in_from_many_places_has_one_open_checkin(world: World) -> None:
    space = world.space("Hub", lang="en")
    world.member("ana", space)
    cores = [_own_core(world) for _ in range(4)]
    answers = _together(THREADS, lambda i: _say(cores[i % 4], "ana", f"/checkin try {i}", world.chat_of(space)))
    _no_failure(answers)
    with world.sessions() as session:
        open_rows = session.exec(select(CheckIn).where(CheckIn.open_at(world.clock()))).all()
    assert len(open_rows) == 1
    here = await world.say("ana", "/here", space=space)
    assert here[0].startswith("Hub: 1 person here now")


async def test_first_messages_of_a_new_user_at_once_make_one_member_and_all_are_answered(world: World) -> None:
    world.space("Hub")
    cores = [_own_core(world) for _ in range(4)]
    answers = _together(THREADS, lambda i: _say(cores[i % 4], "zoe", "/help"))
    _no_failure(answers)
    assert all(a[0].startswith("What I can do for you") for a in answers)
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Member).where(Member.user_id == "zoe")).one() == 1


async def test_many_yes_at_once_never_fill_more_seats_than_the_event_has(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    event_id = await world.create_event("ana", "/event Workshop | in 3 days at 18:00 | Room 1 | 5", space)
    users = [f"m{i}" for i in range(THREADS * 2)]
    for user in users:
        world.member(user, space)
    cores = [_own_core(world) for _ in range(4)]
    answers = _together(len(users), lambda i: _say(cores[i % 4], users[i], f"/rsvp {event_id} yes"))
    _no_failure(answers)
    with world.sessions() as session:
        statuses = Counter(session.exec(select(Rsvp.status).where(Rsvp.event_id == event_id)).all())
    assert statuses == {"yes": 5, "waitlist": len(users) - 5}


async def test_two_delivery_workers_never_send_one_row_twice(world: World) -> None:
    with world.sessions() as session:
        for i in range(120):
            enqueue(session, ChatRef("telegram", f"group-{i % 40}"), Reply(f"news {i}"), not_before=world.clock())
        session.commit()
    adapters = [FakeAdapter("telegram"), FakeAdapter("telegram")]

    def drain(i: int) -> None:
        worker = DeliveryWorker(session_factory(create_db_engine(world.settings.database_url)),
                                {"telegram": adapters[i]}, clock=world.clock, batch_size=7)

        async def run() -> None:
            while await worker.deliver_due():
                pass

        asyncio.run(run())

    _together(2, drain)
    sent = [reply.text for adapter in adapters for _chat, reply in adapter.sent]
    assert sorted(sent) == sorted(f"news {i}" for i in range(120))  # each once, none lost
    assert all(adapter.sent for adapter in adapters), "both workers took a share"
    with world.sessions() as session:
        assert set(session.exec(select(OutboxMessage.status)).all()) == {"sent"}


def _process_says(url: str, user: str, text: str, start: Any, out: Any) -> None:
    """One whole process (its own interpreter, engine and core) sending one command."""
    core = Core(Settings(database_url=url, rate_limit_per_minute=1000), session_factory(create_db_engine(url)))
    start.wait()
    out.put(_say(core, user, text))


async def test_processes_at_once_keep_the_invariants(world: World) -> None:
    """The same races between separate processes, as with two ``coworkbot run``."""
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    commands = [("newbie", "/help")] * 3 + [("ana", "/checkin")] * 3
    processes = [context.Process(target=_process_says, args=(world.settings.database_url, user, text, start, out))
                 for user, text in commands]
    for process in processes:
        process.start()
    start.set()
    answers = [out.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(30)
    _no_failure(answers)
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Member).where(Member.user_id == "newbie")).one() == 1
        ana = session.exec(select(Member).where(Member.user_id == "ana")).one()
        open_count = session.exec(select(func.count()).select_from(CheckIn)
                                  .where(CheckIn.member_id == ana.id, CheckIn.ended_at.is_(None))).one()
    assert open_count == 1


async def test_answers_while_the_announcements_go_out_never_deadlock_the_delivery(
        world: World, caplog: Any) -> None:
    """Marking an announcement sent and an answer rewriting its counts touch the same two rows:
    in opposite orders, PostgreSQL picked one as a deadlock's loser and a delivery round failed."""
    from bot.spaces import link_chat

    space = world.space("Hub")
    world.member("ana", space, manager=True)
    with world.sessions() as session:
        for n in range(24):
            link_chat(session, ChatRef("telegram", f"hub-{n}"), space)
        session.commit()
    event_id = await world.create_event("ana", "/event Workshop | in 3 days at 18:00 | Room 1", space)
    users = [f"m{i}" for i in range(THREADS)]
    for user in users:
        world.member(user, space)
    cores = [_own_core(world) for _ in range(4)]
    adapter = FakeAdapter("telegram")

    def act(i: int) -> Any:
        if i == 0:  # a delivery worker of its own, one row at a time: many commits among the answers
            worker = DeliveryWorker(session_factory(create_db_engine(world.settings.database_url)),
                                    {"telegram": adapter}, clock=world.clock, batch_size=1)

            async def run() -> None:
                while await worker.deliver_due():
                    pass

            return asyncio.run(run())
        return _say(cores[i % 4], users[i - 1], f"/rsvp {event_id} yes")

    with caplog.at_level("INFO"):
        answers = _together(THREADS + 1, act)
    _no_failure([a for a in answers if a is not None])
    assert "delivery round failed" not in caplog.text
    announced = Counter(chat.chat_id for chat, reply in adapter.sent if "Workshop" in reply.text)
    assert len(announced) == 25 and set(announced.values()) == {1}  # every chat once, none twice
