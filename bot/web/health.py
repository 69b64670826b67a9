"""``/healthz`` and ``/readyz``: JSON for probes (Docker's HEALTHCHECK, Kubernetes, a load balancer)."""
from __future__ import annotations

from aiohttp import web

from bot.health import platform_checks, report
from bot.web.context import context_of


async def healthz(request: web.Request) -> web.Response:
    """The process and its event loop are alive: answering at all is the proof."""
    state = context_of(request).state
    return web.json_response({"status": "alive", "leader": state.leader,
                              "longest_loop_stall_ms": round(state.loop.longest * 1000, 1)})


async def readyz(request: web.Request) -> web.Response:
    """Database, outbox and every platform: 200 when all hold, else 503, with each check."""
    context = context_of(request)
    checks = platform_checks(context.state)
    checks.update(await context.state.database.checks(context.sessions))
    ready, body = report(checks)
    return web.json_response(body, status=200 if ready else 503)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
