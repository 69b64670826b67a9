"""``/metrics`` of a bot talking to real platforms: rate-limit refusals counted, each platform's silence measured.

Telegram through the Bot API emulator (its flood control answers 429 with
retry_after), Matrix through a Synapse whose message rate limit is low
(M_LIMIT_EXCEEDED). The bot's web application is the real one, fed the way
``bot.app.serve`` feeds it. Counters are process-wide: compared before and after.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from bot import app
from bot.config import Settings
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.web.context import WebContext
from storage.db import create_db_engine, session_factory
from storage.models import OutboxMessage
from tests.integration.matrix_helpers import bot_joined
from tests.integration.matrix_homeserver import MatrixTestUser, SynapseServer
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.test_telegram_adapter import BOB, TOKEN
from tests.web_client import web_client, web_context


async def samples(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(await response.text()) for s in family.samples}


def refusals(page: dict[tuple[str, frozenset[tuple[str, str]]], float], platform: str) -> float:
    return page.get(("coworkbot_platform_rate_limited_total", frozenset({("platform", platform)})), 0.0)


def silence(page: dict[tuple[str, frozenset[tuple[str, str]]], float], platform: str) -> float:
    return page[("coworkbot_platform_last_answer_age_seconds", frozenset({("platform", platform)}))]


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[tuple[WebContext, Any]]:
    """The web application, before the bot starts (as in ``serve``); ``app.start`` fills it in."""
    context = web_context(settings, None)
    async with web_client(context) as client:
        yield context, client


async def test_telegram_429s_are_counted_and_its_polls_keep_it_fresh(
        settings: Settings, web: tuple[WebContext, Any]) -> None:
    from adapters.telegram import TelegramAdapter

    context, client = web
    async with TelegramEmulator(TOKEN, group_limit=2, group_window=3.0) as emu:  # stricter than the bot's pacer
        changed = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url)
        engine = create_db_engine(changed.database_url)
        runtime = await app.start(changed, lambda rt: [TelegramAdapter(rt.settings, sessions=rt.sessions,
                                                                       poll_timeout=1)],
                                  sessions=session_factory(engine), poll_seconds=0.1, web=context)
        try:
            before = await samples(client)
            emu.add_chat(-900, "supergroup", "Hub")
            for _ in range(3):
                emu.user_sends(-900, BOB, "/spaces")
            await emu.wait_for_sent(-900, 3, timeout=15)
            after = await samples(client)
        finally:
            await app.shutdown(runtime, drain=False)
            engine.dispose()
    assert emu.throttled >= 1
    assert refusals(after, "telegram") - refusals(before, "telegram") == emu.throttled
    assert silence(after, "telegram") < 5  # long polls of 1 s, answered
    spaces = ("coworkbot_commands_total", frozenset({("platform", "telegram"), ("command", "spaces"),
                                                     ("outcome", "ok")}))
    assert after[spaces] - before.get(spaces, 0.0) == 3


async def test_matrix_m_limit_exceeded_is_counted_and_the_sync_lag_is_measured(
        settings: Settings, rate_limited_synapse_server: SynapseServer, web: tuple[WebContext, Any]) -> None:
    from adapters.matrix import MatrixAdapter

    context, client = web
    server = rate_limited_synapse_server
    suffix = uuid.uuid4().hex[:6]  # the server lives for the whole run (and both database passes)
    account = await server.register_user(f"metricsbot-{suffix}", "metricsbot-password")
    human = await server.register_user(f"watcher-{suffix}", "watcher-password")
    settings = replace(settings, matrix_homeserver=server.base_url, matrix_user_id=account.user_id,
                       matrix_password=account.password, matrix_allowed_inviters=(f":{server.server_name}",))
    runtime = await app.start(settings, lambda rt: [MatrixAdapter(rt.settings, rt.sessions, encryption=False,
                                                                  sync_timeout_ms=1000)],
                              poll_seconds=0.2, web=context)
    assert runtime.delivery is not None
    runtime.delivery.cancel()  # this test drives the worker itself
    try:
        async with await MatrixTestUser.open(server.base_url, human) as reader:
            room = await reader.create_room("busy", invite=[account.user_id])
            await bot_joined(reader, room, account.user_id)
            before = await samples(client)
            with runtime.sessions() as session:
                for n in range(5):
                    enqueue(session, ChatRef("matrix", room), Reply(f"news {n}"))
                session.commit()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 40
            while loop.time() < deadline:
                await runtime.worker.deliver_due()
                with runtime.sessions() as session:
                    rows = session.exec(select(OutboxMessage)).all()
                if all(row.status == "sent" for row in rows):
                    break
                await asyncio.sleep(0.2)
            after = await samples(client)
    finally:
        await app.shutdown(runtime, drain=False)
    assert [row.status for row in rows] == ["sent"] * 5
    assert refusals(after, "matrix") - refusals(before, "matrix") >= 1  # the homeserver said "too many"
    assert silence(after, "matrix") < 5  # syncs of 1 s, answered: the lag stays small
    sent = ("coworkbot_outbox_messages", frozenset({("platform", "matrix"), ("status", "sent")}))
    assert after[sent] == 5 and before[sent] == 0
