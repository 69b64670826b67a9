"""Reminders as members see them: once, on time, after a restart, across DST."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.reminders import HORIZON, plan_all, reminder_pass
from storage.db import create_db_engine, session_factory
from storage.models import Event, Reminder
from tests.world import FakeClock, World


async def run_pass(world: World) -> int:
    """One reminder pass at the world's time, then deliver what it queued."""
    result = reminder_pass(world.sessions, world.settings, world.clock())
    await world.deliver()
    return result.sent


async def hub_with_quiz(world: World):  # noqa: ANN201
    """Hub, a manager, Bob (French) going to a quiz tomorrow (Thursday) at 18:00 Paris = 17:00 UTC."""
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space, lang="fr")
    world.member("cai", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm | Room 2", space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.say("cai", f"/rsvp {event_id} maybe", space=space)
    await world.deliver()
    world.adapters["telegram"].sent.clear()
    return space, event_id


async def test_a_reminder_fires_once_to_the_chat_and_to_those_going(world: World) -> None:
    space, _ = await hub_with_quiz(world)
    world.clock.now = datetime(2026, 11, 25, 16, 59, 50, tzinfo=timezone.utc)
    assert await run_pass(world) == 0  # ten seconds early: nothing
    world.clock.advance(seconds=20)
    assert await run_pass(world) == 1
    assert await run_pass(world) == 0  # the next pass finds it sent
    world.clock.advance(seconds=30)
    assert await run_pass(world) == 0
    assert world.posts(space) == [
        "⏰ Reminder: Quiz at Hub starts in 1 day: Thursday, 26 November 2026, 18:00.\n📍 Room 2"]
    assert world.inbox("bob") == [
        "⏰ Rappel : Quiz chez Hub commence dans 1 jour : jeudi 26 novembre 2026, 18:00.\n📍 Room 2"]
    assert world.inbox("cai") == []  # "maybe" gets no DM
    world.clock.now = datetime(2026, 11, 26, 16, 0, 5, tzinfo=timezone.utc)
    assert await run_pass(world) == 1
    assert world.posts(space)[-1].startswith("⏰ Reminder: Quiz at Hub starts in 1 hour: Thursday, 26 November 2026, 18:00.")
    assert len(world.inbox("bob")) == 2


async def test_a_cancelled_event_sends_no_reminder(world: World) -> None:
    space, event_id = await hub_with_quiz(world)
    await world.say("ana", f"/cancel_event {event_id}", space=space)
    await world.deliver()
    world.adapters["telegram"].sent.clear()
    world.clock.now = datetime(2026, 11, 26, 16, 30, tzinfo=timezone.utc)
    assert await run_pass(world) == 0
    assert world.posts(space) == [] and world.inbox("bob") == []


def restarted(world: World, at: datetime) -> World:
    """A second process: its own engine, sessions, clock and platform connections, same database."""
    engine = create_db_engine(world.settings.database_url)
    return World(session_factory(engine), world.settings, FakeClock(at))


async def test_after_a_restart_a_recently_missed_reminder_is_sent_late_once(world: World) -> None:
    space, _ = await hub_with_quiz(world)
    world.clock.now = datetime(2026, 11, 26, 15, 55, tzinfo=timezone.utc)  # down before the 1-hour reminder (16:00)
    assert await run_pass(world) == 1  # the 24-hour reminder, late but before the quiz
    later = restarted(world, datetime(2026, 11, 26, 16, 40, tzinfo=timezone.utc))  # back 40 minutes late
    assert await run_pass(later) == 1
    assert later.posts(space) == ["⏰ Starting soon: Quiz at Hub, Thursday, 26 November 2026, 18:00.\n📍 Room 2"]
    assert later.inbox("bob") == ["⏰ Ça commence bientôt : Quiz chez Hub, jeudi 26 novembre 2026, 18:00.\n📍 Room 2"]
    again = restarted(world, datetime(2026, 11, 26, 16, 41, tzinfo=timezone.utc))  # and once more
    assert await run_pass(again) == 0
    assert again.posts(space) == [] and again.inbox("bob") == []


async def test_after_a_long_downtime_an_old_reminder_is_skipped_and_logged(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    space, event_id = await hub_with_quiz(world)
    caplog.set_level(logging.WARNING, logger="bot.reminders")
    later = restarted(world, datetime(2026, 11, 26, 17, 5, tzinfo=timezone.utc))  # the quiz started 5 minutes ago
    assert await run_pass(later) == 0
    assert later.posts(space) == [] and later.inbox("bob") == []
    with later.sessions() as session:
        rows = session.exec(select(Reminder).where(Reminder.event_id == event_id)).all()
    assert len(rows) == 2 and all(r.skipped_at is not None and r.sent_at is None for r in rows)
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 2


async def test_a_weekly_event_keeps_its_local_hour_across_the_october_dst_change(world: World) -> None:
    world.clock.now = datetime(2026, 10, 22, 10, 0, tzinfo=timezone.utc)  # Thursday before the last Sunday of October
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    await world.create_event("ana", "/event Breakfast | every friday 9:00", space)
    await world.deliver()
    world.adapters["telegram"].sent.clear()
    world.clock.now = datetime(2026, 10, 23, 6, 0, 5, tzinfo=timezone.utc)  # 08:00 CEST
    assert await run_pass(world) == 1
    world.clock.now = datetime(2026, 10, 29, 8, 0, 5, tzinfo=timezone.utc)  # 09:00 CET, the day before
    assert await run_pass(world) == 1
    world.clock.now = datetime(2026, 10, 30, 7, 0, 5, tzinfo=timezone.utc)  # 08:00 CET
    assert await run_pass(world) == 1
    assert world.posts(space) == [
        "⏰ Reminder: Breakfast at Hub starts in 1 hour: Friday, 23 October 2026, 09:00.",
        "⏰ Reminder: Breakfast at Hub starts in 1 day: Friday, 30 October 2026, 09:00.",
        "⏰ Reminder: Breakfast at Hub starts in 1 hour: Friday, 30 October 2026, 09:00.",
    ]


async def test_the_horizon_moves_with_time(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    event_id = await world.create_event("ana", "/event Standup | every monday 9:00", space)

    def last_planned() -> datetime:
        with world.sessions() as session:
            return max(session.exec(select(Reminder.occurrence_at).where(Reminder.event_id == event_id)).all())

    first = last_planned()
    assert world.clock() + HORIZON - timedelta(days=7) < first <= world.clock() + HORIZON
    world.clock.advance(days=30)
    plan_all(world.sessions, world.settings, world.clock())
    last = last_planned()
    assert last > first and world.clock() + HORIZON - timedelta(days=7) < last <= world.clock() + HORIZON


async def test_after_downtime_over_both_reminders_only_one_starting_soon_is_sent(world: World) -> None:
    space, _ = await hub_with_quiz(world)
    later = restarted(world, datetime(2026, 11, 26, 16, 30, tzinfo=timezone.utc))  # down since yesterday 10:00
    assert await run_pass(later) == 1
    assert later.posts(space) == ["⏰ Starting soon: Quiz at Hub, Thursday, 26 November 2026, 18:00.\n📍 Room 2"]
    assert len(later.inbox("bob")) == 1


async def test_scheduler_jobs_are_rebuilt_from_the_database_and_fire_at_the_due_time(world: World) -> None:
    """A real APScheduler in the loop, on real time: the start-up rebuild schedules the next due reminder."""
    import asyncio

    from bot.app import Runtime
    from bot.reminders import schedule_reminders
    from bot.scheduler import Scheduler
    from storage.models import OutboxMessage
    from storage.types import utcnow

    space, event_id = await hub_with_quiz(world)
    real_now = utcnow()
    with world.sessions() as session:  # as if the quiz started in an hour and a half, real time
        event = session.get(Event, event_id)
        event.starts_at = real_now + timedelta(minutes=90)
        session.add(event)
        for row in session.exec(select(Reminder).where(Reminder.event_id == event_id)):
            row.occurrence_at = real_now + timedelta(minutes=90)
            row.due_at = row.occurrence_at - timedelta(seconds=row.offset_seconds)
            session.add(row)
        session.commit()
    for row_offset, delay in ((86400, -3600), (3600, 1.5)):  # 24-hour one sent before; 1-hour one due in 1.5 s
        with world.sessions() as session:
            row = session.exec(select(Reminder).where(Reminder.offset_seconds == row_offset)).one()
            row.due_at = real_now + timedelta(seconds=delay)
            row.sent_at = real_now if delay < 0 else None
            session.add(row)
            session.commit()
    runtime = Runtime(world.settings, world.sessions, world.core, world.worker, Scheduler(), asyncio.Event())
    schedule_reminders(runtime)
    assert set(runtime.scheduler.job_ids()) == {"reminders", "reminders:plan", "reminders:next"}
    runtime.scheduler.start()
    try:
        await asyncio.sleep(2.5)
    finally:
        runtime.scheduler.shutdown()
    with world.sessions() as session:
        sent = session.exec(select(Reminder).where(Reminder.offset_seconds == 3600)).one().sent_at
        keys = session.exec(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "reminder")).all()
    assert sent is not None
    assert len(keys) == 2  # the Hub chat and Bob's DM, once each
