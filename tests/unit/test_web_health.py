"""``/healthz`` and ``/readyz`` over real HTTP, as a probe or a load balancer reads them."""
from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

from sqlmodel import select

from bot.config import Settings
from bot.health import DatabaseProbe, Heartbeat
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from storage.db import create_db_engine, session_factory
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.web_client import web_client, web_context
from tests.world import World


async def test_healthz_answers_while_the_process_is_a_standby_without_a_database(settings: Settings) -> None:
    async with web_client(web_context(settings, None, leader=False)) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json())["status"] == "alive"


async def test_readyz_is_ready_when_leader_database_outbox_and_platforms_all_hold(world: World) -> None:
    context = web_context(world.settings, world.sessions)
    polled = Heartbeat(timeout=20)
    polled.beat()
    context.state.heartbeats = {"telegram": polled, "console": None}
    async with web_client(context) as client:
        response = await client.get("/readyz")
        body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"leader", "telegram", "console", "database", "outbox"}
    assert all(check["ok"] for check in body["checks"].values())


async def test_a_platform_silent_for_twice_its_poll_time_makes_the_process_not_ready(world: World) -> None:
    """A hung sync keeps the process alive: only readiness can tell."""
    context = web_context(world.settings, world.sessions)
    hung, never = Heartbeat(timeout=30), Heartbeat(timeout=30)
    hung.last_ok = time.monotonic() - 61
    context.state.heartbeats = {"matrix": hung, "telegram": never}
    async with web_client(context) as client:
        response = await client.get("/readyz")
        body = await response.json()
        assert response.status == 503
        assert body["checks"]["matrix"] == {"ok": False, "last_answer_seconds": 61.0, "limit_seconds": 60}
        assert body["checks"]["telegram"]["ok"] is False and body["checks"]["telegram"]["last_answer_seconds"] is None
        hung.beat()
        never.beat()
        assert (await client.get("/readyz")).status == 200


async def test_a_standby_is_alive_but_not_ready(world: World) -> None:
    async with web_client(web_context(world.settings, world.sessions, leader=False)) as client:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["checks"]["leader"] == {"ok": False}
        assert (await client.get("/healthz")).status == 200


async def test_an_unreachable_database_is_not_ready_and_the_report_names_no_address(settings: Settings) -> None:
    url = "postgresql+psycopg://coworkbot:s3cret-pass@127.0.0.1:1/nowhere?connect_timeout=2"
    engine = create_db_engine(url)
    try:
        async with web_client(web_context(settings, session_factory(engine))) as client:
            response = await client.get("/readyz")
            text = await response.text()
    finally:
        engine.dispose()
    assert response.status == 503
    body = json.loads(text)
    assert body["checks"]["database"]["ok"] is False
    assert "s3cret" not in text and "127.0.0.1" not in text and "nowhere" not in text


async def test_a_message_due_for_more_than_ten_minutes_makes_the_process_not_ready(world: World) -> None:
    with world.sessions() as session:
        row = enqueue(session, ChatRef("telegram", "-100"), Reply("stuck"))
        row.next_attempt_at = utcnow() - timedelta(minutes=11)
        later = enqueue(session, ChatRef("telegram", "-101"), Reply("scheduled"))
        later.next_attempt_at = utcnow() + timedelta(hours=3)  # waiting for its time is not stuck
        session.commit()
    async with web_client(web_context(world.settings, world.sessions)) as client:
        response = await client.get("/readyz")
        outbox = (await response.json())["checks"]["outbox"]
        assert response.status == 503
        assert outbox["ok"] is False and outbox["oldest_due_seconds"] >= 660
        with world.sessions() as session:
            stuck = session.exec(select(OutboxMessage).where(OutboxMessage.text == "stuck")).one()
            stuck.status = "sent"
            session.add(stuck)
            session.commit()
        # Probes share one query a second and never wait for it: ready again within about a second.
        statuses = []
        for _ in range(30):
            statuses.append((await client.get("/readyz")).status)
            if statuses[-1] == 200:
                break
            await asyncio.sleep(0.1)
        assert statuses[-1] == 200 and len(statuses) > DatabaseProbe().ttl / 0.1 / 2, statuses


async def test_a_database_that_hangs_makes_probes_answer_not_ready_instead_of_hanging(world: World) -> None:
    """A query that never returns (a locked table, a dead server without RST) must not hang /readyz."""
    import threading

    released = threading.Event()

    def hanging_sessions():  # noqa: ANN202 - a SessionFactory whose first use blocks
        released.wait(10)
        return world.sessions()

    context = web_context(world.settings, hanging_sessions)
    context.state.database = DatabaseProbe(patience=0.3)
    try:
        async with web_client(context) as client:
            started = time.monotonic()
            response = await client.get("/readyz")
            body = await response.json()
            assert time.monotonic() - started < 2
            assert response.status == 503
            assert body["checks"]["database"]["ok"] is False and "no answer" in body["checks"]["database"]["error"]
    finally:
        released.set()
