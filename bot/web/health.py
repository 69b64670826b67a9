"""``/healthz`` and ``/readyz``: JSON for probes (Docker's HEALTHCHECK, Kubernetes, a load balancer)."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.health import database_checks, platform_checks, report
from bot.web.context import context_of
from storage.types import utcnow


async def healthz(request: web.Request) -> web.Response:
    """The process and its event loop are alive: answering at all is the proof."""
    state = context_of(request).state
    return web.json_response({"status": "alive", "leader": state.leader})


async def readyz(request: web.Request) -> web.Response:
    """Database, outbox and every platform: 200 when all hold, else 503, with each check."""
    context = context_of(request)
    checks = platform_checks(context.state)
    checks.update(await asyncio.to_thread(database_checks, context.sessions, utcnow()))
    ready, body = report(checks)
    return web.json_response(body, status=200 if ready else 503)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
