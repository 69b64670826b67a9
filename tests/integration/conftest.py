"""Integration fixtures: a real Synapse, real Matrix users, and the bot running in-process.

``start_matrix_bot`` wires the bot the way ``bot.app.serve`` does (core,
outbox delivery worker, Matrix adapter) over the test's database, so a test
talks to it only as Matrix users do, through the homeserver.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest_asyncio

from bot.config import Settings
from bot.core import Core
from bot.messages import Adapter
from bot.outbox import DeliveryWorker
from tests.integration.matrix_homeserver import (  # noqa: F401  (fixtures are found by name)
    MatrixTestUser,
    RegisteredUser,
    SynapseServer,
    UserFactory,
    matrix_user_factory,
    rate_limited_synapse_server,
    synapse_server,
)


@dataclass
class RunningBot:
    """One bot process, in-process: stop it and start another over the same database."""

    settings: Settings
    core: Core
    worker: DeliveryWorker
    adapters: dict[str, Adapter]
    delivery: asyncio.Task[None]
    stopped: bool = False

    @property
    def matrix(self) -> Any:
        return self.adapters["matrix"]

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.delivery.cancel()
        for adapter in self.adapters.values():
            await adapter.stop()


async def run_bot(
    settings: Settings, make_adapters: Callable[[Settings, Any], list[Adapter]]
) -> RunningBot:
    """Start core, delivery worker and adapters as ``serve`` does (no signals, no scheduler)."""
    from bot import app

    runtime = await app.start(settings, lambda rt: make_adapters(rt.settings, rt.sessions), poll_seconds=0.2)
    assert runtime.delivery is not None
    return RunningBot(settings, runtime.core, runtime.worker, runtime.adapters, runtime.delivery)


BotStarter = Callable[..., Awaitable[RunningBot]]


@pytest_asyncio.fixture
async def bot_account(synapse_server: SynapseServer) -> RegisteredUser:
    """The bot's Matrix account for this test (fresh, so no state leaks between tests)."""
    return await synapse_server.register_user(
        f"coworkbot-{secrets.token_hex(4)}", password=secrets.token_hex(8)
    )


@pytest_asyncio.fixture
async def matrix_settings(
    settings: Settings, synapse_server: SynapseServer, bot_account: RegisteredUser
) -> Settings:
    return replace(
        settings,
        matrix_homeserver=synapse_server.base_url,
        matrix_user_id=bot_account.user_id,
        matrix_password=bot_account.password,
        # Test users invite the bot freely; the invite policy's own test narrows this.
        matrix_allowed_inviters=(f":{synapse_server.server_name}",),
    )


@pytest_asyncio.fixture
async def start_matrix_bot(matrix_settings: Settings) -> AsyncIterator[BotStarter]:
    """``await start(coordinators=[...], **settings)`` → a running bot; stopped at the end."""
    from adapters.matrix import MatrixAdapter

    running: list[RunningBot] = []

    async def start(
        coordinators: tuple[str, ...] | list[str] = (), *, encryption: bool | None = False,
        **changes: Any,
    ) -> RunningBot:
        settings = replace(matrix_settings, coordinators=tuple(coordinators), **changes)
        bot = await run_bot(settings, lambda s, sessions: [
            MatrixAdapter(s, sessions, encryption=encryption, sync_timeout_ms=2000)])
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()
