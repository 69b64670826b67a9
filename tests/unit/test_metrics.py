"""``/metrics`` over real HTTP, as Prometheus scrapes it: what moves, what is counted, and what never shows.

The metrics registry is process-wide (other tests in this worker count
commands too), so counters are compared before and after; gauges read from a
database of this test's own are compared as they are.
"""
from __future__ import annotations

import asyncio
import math
import threading
import time
from datetime import datetime, timedelta, timezone

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.health import Heartbeat
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.reminders import reminder_pass
from bot.web.metrics import READS
from storage.db import create_db_engine, session_factory
from tests.web_client import web_client, web_context
from tests.world import World

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client) -> tuple[str, Samples]:  # noqa: ANN001 - aiohttp's TestClient
    """The page as text, and every sample by (name, labels)."""
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    text = await response.text()
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


async def test_commands_are_counted_by_name_and_outcome_and_no_label_names_anyone(world: World) -> None:
    """Members with names, ids and notes that would stand out: none of it reaches the page."""
    space = world.space("Hub")
    world.member("quokkazephyr", space)
    world.member("wombatinaqx", space, platform="matrix")
    world.clock.now = datetime.now(timezone.utc)  # check-ins are counted at the wall clock's "now"
    async with web_client(web_context(world.settings, world.sessions)) as client:
        _, before = await scrape(client)
        await world.say("quokkazephyr", "/checkin pangolinology sprint", space=space)
        await world.say("quokkazephyr", "/skills add narwhalcraft")
        await world.say("quokkazephyr", "/checkin " + "y" * 400, space=space)  # over-long: refused
        await world.say("wombatinaqx", "/frobnicatexyz now")  # not a command (the adapter turned ! into /)
        await world.deliver()
        text, after = await scrape(client)

    for personal in ("quokkazephyr", "Quokkazephyr", "wombatinaqx", "Wombatinaqx", "pangolinology", "narwhalcraft",
                     "frobnicatexyz", "yyyyyyyy"):
        assert personal not in text
    moved = {key: after[key] - before.get(key, 0.0) for key in after}
    counted = {(dict(labels)["platform"], dict(labels)["command"], dict(labels)["outcome"]): delta
               for (name, labels), delta in moved.items() if name == "coworkbot_commands_total" and delta}
    assert counted == {("telegram", "checkin", "ok"): 1, ("telegram", "skills", "ok"): 1,
                       ("telegram", "checkin", "error"): 1, ("matrix", "unknown", "error"): 1}
    assert value(moved, "coworkbot_command_seconds_count", platform="telegram") == 3
    assert value(moved, "coworkbot_command_seconds_count", platform="matrix") == 1
    assert value(after, "coworkbot_checkins_open", space=space.slug) == 1
    label_names = {label for name, labels in after if name.startswith("coworkbot") for label, _ in labels}
    assert label_names <= {"platform", "command", "outcome", "status", "space", "reason", "le"}


async def test_the_outbox_is_counted_by_platform_and_status(world: World) -> None:
    with world.sessions() as session:
        for n in range(3):
            enqueue(session, ChatRef("telegram", f"-10{n}"), Reply("news"))
        stuck = enqueue(session, ChatRef("telegram", "-200"), Reply("stuck"))
        stuck.next_attempt_at = datetime.now(timezone.utc) - timedelta(minutes=11)
        enqueue(session, ChatRef("telegram", "-300"), Reply("later"), not_before=datetime.now(timezone.utc)
                + timedelta(hours=3))
        for n, status in enumerate(["sent", "sent", "failed"]):
            row = enqueue(session, ChatRef("telegram" if n < 2 else "matrix", f"!room{n}"), Reply("old"))
            row.status = status
        session.commit()
    context = web_context(world.settings, world.sessions)
    context.state.heartbeats = {"telegram": Heartbeat(timeout=30), "matrix": Heartbeat(timeout=30), "console": None}
    async with web_client(context) as client:
        _, samples = await scrape(client)
    outbox = {tuple(sorted(dict(labels).values())): count for (name, labels), count in samples.items()
              if name == "coworkbot_outbox_messages"}
    assert outbox == {("pending", "telegram"): 5, ("sent", "telegram"): 2, ("failed", "telegram"): 0,
                      ("matrix", "pending"): 0, ("matrix", "sent"): 0, ("failed", "matrix"): 1,
                      ("console", "pending"): 0, ("console", "sent"): 0, ("console", "failed"): 0}
    assert 660 <= value(samples, "coworkbot_outbox_oldest_due_seconds") < 700  # the scheduled one is not due
    assert value(samples, "coworkbot_database_up") == 1


async def test_open_check_ins_are_counted_by_space_and_expired_ones_are_not(world: World) -> None:
    hub, lab = world.space("Hub"), world.space("Lab", city="Split", country="HR", tz="Europe/Zagreb")
    world.space("Quiet Corner")
    for name in ("ana", "bob", "cai"):
        world.member(name, hub)
    await world.say("ana", "/checkin", space=hub)
    await world.say("bob", "/checkin for 1h", space=hub)
    await world.say("cai", "/checkin", space=lab)
    context = web_context(world.settings, world.sessions)
    context.clock = world.clock
    async with web_client(context) as client:
        _, samples = await scrape(client)
        assert [value(samples, "coworkbot_checkins_open", space=s) for s in ("hub", "lab")] == [2, 1]
        assert ("coworkbot_checkins_open", frozenset({("space", "quiet-corner")})) in samples  # 0, not missing
        world.clock.advance(hours=2)  # Bob's hour is over
        _, samples = await scrape(client)
        assert [value(samples, "coworkbot_checkins_open", space=s) for s in ("hub", "lab")] == [1, 1]


async def test_before_the_database_opens_a_standby_serves_its_process_metrics(settings: Settings) -> None:
    async with web_client(web_context(settings, None, leader=False)) as client:
        _, samples = await scrape(client)
    assert value(samples, "coworkbot_leader") == 0
    assert value(samples, "coworkbot_database_up") == 0
    assert "process_start_time_seconds" in names(samples) and "python_info" in names(samples)
    assert "coworkbot_outbox_messages" not in names(samples) and "coworkbot_checkins_open" not in names(samples)


async def test_each_platform_says_how_long_it_has_been_silent(world: World) -> None:
    """Matrix: the sync lag; a platform that never answered reads +Inf, so an alert on "> 60" fires."""
    context = web_context(world.settings, world.sessions)
    matrix, telegram = Heartbeat(timeout=30), Heartbeat(timeout=30)
    matrix.last_ok = time.monotonic() - 42
    context.state.heartbeats = {"matrix": matrix, "telegram": telegram, "console": None}
    async with web_client(context) as client:
        _, samples = await scrape(client)
        assert 42 <= value(samples, "coworkbot_platform_last_answer_age_seconds", platform="matrix") < 45
        assert value(samples, "coworkbot_platform_last_answer_age_seconds", platform="telegram") == math.inf
        assert not any(dict(labels).get("platform") == "console" for name, labels in samples
                       if name == "coworkbot_platform_last_answer_age_seconds")
        matrix.beat()
        _, samples = await scrape(client)
        assert value(samples, "coworkbot_platform_last_answer_age_seconds", platform="matrix") < 2
        assert value(samples, "coworkbot_leader") == 1
        context.state.loop.longest = 0.075  # what the loop watch measured
        _, samples = await scrape(client)
        assert value(samples, "coworkbot_event_loop_longest_stall_seconds") == 0.075


async def test_an_unreachable_database_leaves_its_gauges_out_and_names_no_address(settings: Settings) -> None:
    url = "postgresql+psycopg://coworkbot:s3cret-pass@127.0.0.1:1/nowhere?connect_timeout=2"
    engine = create_db_engine(url)
    try:
        async with web_client(web_context(settings, session_factory(engine))) as client:
            text, samples = await scrape(client)
    finally:
        engine.dispose()
    assert value(samples, "coworkbot_database_up") == 0 and "coworkbot_outbox_messages" not in names(samples)
    assert "s3cret" not in text and "127.0.0.1" not in text and "nowhere" not in text


async def test_a_hanging_database_is_asked_once_and_scrapes_answer_without_it(world: World) -> None:
    """Each scrape a thread stuck on the database would starve the commands' threads: one read at a time."""
    released, asked = threading.Event(), []

    def hanging_sessions():  # noqa: ANN202 - a SessionFactory whose use blocks until released
        asked.append(1)
        released.wait(10)
        return world.sessions()

    try:
        async with web_client(web_context(world.settings, hanging_sessions)) as client:
            client.app[READS].patience = 0.3
            started = time.monotonic()
            pages = await asyncio.gather(*(scrape(client) for _ in range(5)))
            pages.append(await scrape(client))
            assert time.monotonic() - started < 2
            assert all(value(samples, "coworkbot_database_up") == 0 for _, samples in pages)
            assert len(asked) == 1
            released.set()
            for _ in range(50):  # the read in flight ends; the next scrape starts a fresh one
                await asyncio.sleep(0.05)
                _, samples = await scrape(client)
                if value(samples, "coworkbot_database_up") == 1:
                    break
            assert value(samples, "coworkbot_database_up") == 1 and len(asked) >= 2
    finally:
        released.set()


async def test_reminders_are_counted_as_sent_or_skipped_with_why(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    await world.create_event("ana", "/event Quiz | tomorrow at 6pm", space)  # Thursday 17:00 UTC
    await world.create_event("ana", "/event Talk | tomorrow at 7pm", space)  # Thursday 18:00 UTC
    async with web_client(web_context(world.settings, world.sessions)) as client:
        _, before = await scrape(client)
        reminder_pass(world.sessions, world.settings, datetime(2026, 11, 25, 17, 0, 10, tzinfo=timezone.utc))
        # Down from Wednesday evening until Thursday 17:30: the quiz has begun (its 1-hour reminder is
        # skipped); the talk has not (its 1-hour reminder goes late, the 24-hour one is superseded).
        reminder_pass(world.sessions, world.settings, datetime(2026, 11, 26, 17, 30, tzinfo=timezone.utc))
        _, after = await scrape(client)
    moved = {(dict(labels)["outcome"], dict(labels)["reason"]): after[key] - before.get(key, 0.0)
             for key in after for name, labels in [key] if name == "coworkbot_reminders_total"}
    assert moved == {("sent", "on_time"): 1, ("sent", "late"): 1, ("skipped", "started"): 1,
                     ("skipped", "superseded"): 1, ("skipped", "cancelled"): 0}


async def test_reminders_of_a_cancelled_event_are_counted_as_skipped_once_the_cancellation_commits(
        world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bo", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm", space)  # two reminders planned
    async with web_client(web_context(world.settings, world.sessions)) as client:
        _, before = await scrape(client)
        refused = await world.replies("bo", f"/cancel_event {event_id}", space=space)  # not a manager: nothing
        assert refused
        _, middle = await scrape(client)
        await world.replies("ana", f"/cancel_event {event_id}", space=space)
        _, after = await scrape(client)
    def cancelled(samples: Samples) -> float:
        return value(samples, "coworkbot_reminders_total", outcome="skipped", reason="cancelled")

    assert cancelled(middle) == cancelled(before)
    assert cancelled(after) - cancelled(before) == len(world.settings.reminder_offsets) == 2
