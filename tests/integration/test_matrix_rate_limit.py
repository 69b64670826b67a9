"""M_LIMIT_EXCEEDED: the delivery worker waits retry_after_ms, then every message arrives once.

Runs against a second Synapse whose message rate limit is low (0.5/s, burst 2).
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.config import Settings
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from storage.models import OutboxMessage
from tests.integration.conftest import run_bot
from tests.integration.matrix_helpers import bot_bodies, bot_joined
from tests.integration.matrix_homeserver import MatrixTestUser, SynapseServer


async def test_the_outbox_honours_m_limit_exceeded(settings: Settings,
                                                   rate_limited_synapse_server: SynapseServer) -> None:
    from adapters.matrix import MatrixAdapter

    server = rate_limited_synapse_server
    suffix = uuid.uuid4().hex[:6]  # the server lives for the whole run (and both database passes)
    account = await server.register_user(f"ratebot-{suffix}", "ratebot-password")
    human = await server.register_user(f"reader-{suffix}", "reader-password")
    settings = replace(settings, matrix_homeserver=server.base_url, matrix_user_id=account.user_id,
                       matrix_password=account.password, matrix_allowed_inviters=(f":{server.server_name}",))
    bot = await run_bot(settings, lambda s, sessions: [MatrixAdapter(s, sessions, encryption=False,
                                                                     sync_timeout_ms=1000)])
    bot.delivery.cancel()  # this test drives the worker itself
    try:
        async with await MatrixTestUser.open(server.base_url, human) as reader:
            room = await reader.create_room("busy", invite=[account.user_id])
            await bot_joined(reader, room, account.user_id)
            with bot.core.sessions() as session:
                for n in range(5):
                    enqueue(session, ChatRef("matrix", room), Reply(f"news {n}"))
                session.commit()

            errors: set[str] = set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 40
            while loop.time() < deadline:
                await bot.worker.deliver_due()
                with bot.core.sessions() as session:
                    rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
                errors |= {r.last_error or "" for r in rows}
                if all(r.status == "sent" for r in rows):
                    break
                await asyncio.sleep(0.2)

            assert [r.status for r in rows] == ["sent"] * 5
            assert any("M_LIMIT_EXCEEDED" in e for e in errors)  # it was refused on the way...
            assert all(r.attempts == 1 for r in rows)  # ...and waiting is not a failed attempt
            await asyncio.sleep(0.5)
            bodies = bot_bodies(await reader.messages(room), account.user_id)
            assert bodies == [f"news {n}" for n in range(5)]  # each once, in order
    finally:
        await bot.stop()


async def test_a_reply_refused_with_m_limit_exceeded_waits_retry_after_ms(
        settings: Settings, rate_limited_synapse_server: SynapseServer) -> None:
    """Direct replies too: one the homeserver refuses goes to the outbox, due after the wait it asked for,
    and a reply in two parts (a file, then its text) never posts a part twice."""
    from adapters.matrix import MatrixAdapter

    server = rate_limited_synapse_server
    suffix = uuid.uuid4().hex[:6]
    account = await server.register_user(f"replybot-{suffix}", "replybot-password")
    human = await server.register_user(f"asker-{suffix}", "asker-password")
    settings = replace(settings, matrix_homeserver=server.base_url, matrix_user_id=account.user_id,
                       matrix_password=account.password, matrix_allowed_inviters=(f":{server.server_name}",),
                       coordinators=(human.user_id,))
    bot = await run_bot(settings, lambda s, sessions: [MatrixAdapter(s, sessions, encryption=False,
                                                                     sync_timeout_ms=1000)])
    try:
        async with await MatrixTestUser.open(server.base_url, human) as asker:
            room = await asker.create_room("questions", invite=[account.user_id])
            await bot_joined(asker, room, account.user_id)
            await asker.send_text(room, "!space create Hub | Paris | FR | Europe/Paris")
            loop = asyncio.get_running_loop()

            async def bot_events(count: int) -> list[str]:
                deadline = loop.time() + 40
                while loop.time() < deadline:
                    bodies = bot_bodies(await asker.messages(room), account.user_id)
                    if len(bodies) >= count:
                        return bodies
                    await asyncio.sleep(0.5)
                return bot_bodies(await asker.messages(room), account.user_id)

            await bot_events(1)
            await asyncio.sleep(4.5)  # both sides' budgets are full again: a burst of 2 each
            await asker.send_text(room, "!ical")  # each answer is 2 events: the file, then the text
            await asker.send_text(room, "!ical")
            await bot_events(5)
            await asyncio.sleep(2)
            bodies = bot_bodies(await asker.messages(room), account.user_id)
            with bot.core.sessions() as session:
                deferred = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
            assert deferred, "no reply was refused: the homeserver's limit is not low enough for this test"
            assert all(row.status == "sent" for row in deferred)
            assert all(row.next_attempt_at - row.created_at >= timedelta(milliseconds=500) for row in deferred)
            assert len(bodies) == 5, bodies  # the space's answer, then two files and two texts: none twice
            assert len([body for body in bodies if body.endswith(".ics")]) == 2
    finally:
        await bot.stop()
