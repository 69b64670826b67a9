"""The real web application on a free port of 127.0.0.1, with aiohttp's test client (real HTTP)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.web.context import WebContext
from bot.web.server import build_app
from storage.db import SessionFactory


def web_context(settings: Settings, sessions: SessionFactory | None, *, leader: bool = True) -> WebContext:
    context = WebContext(settings, sessions=sessions)
    context.state.leader = leader
    return context


@asynccontextmanager
async def web_client(context: WebContext) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """``client.get("/readyz")`` and the like, against ``build_app(context)``."""
    client = TestClient(TestServer(build_app(context), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
