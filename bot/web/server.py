"""One aiohttp application on ``HTTP_HOST``:``HTTP_PORT``, started before the leader lock.

It runs on standbys too: ``/healthz`` must answer while a process waits for the
lock or for its database, and ``/readyz`` then says why it is not ready. Each
concern adds its own routes (:func:`build_app`); what they share is a
:class:`WebContext`, filled in as the process starts (the database's sessions
once it opens, the platforms' heartbeats once they start).
"""
from __future__ import annotations

import logging

from aiohttp import web

from bot.config import PREFIX
from bot.startup import StartupError
from bot.web import calendar, health, metrics, public, webhook
from bot.web.context import CONTEXT, WebContext

log = logging.getLogger(__name__)


def build_app(context: WebContext) -> web.Application:
    """The application with every route; routes that need the database answer 503 until it opens."""
    app = web.Application()
    app[CONTEXT] = context
    health.add_routes(app)
    metrics.add_routes(app)
    calendar.add_routes(app)
    webhook.add_routes(app)
    public.add_routes(app)
    return app


class WebServer:
    """The running application; :attr:`url` is where it listens (port 0 in tests: one the OS chose)."""

    def __init__(self, context: WebContext) -> None:
        self.context = context
        self.app = build_app(context)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str | None = None, port: int | None = None) -> None:
        host = host or self.context.settings.http_host
        port = self.context.settings.http_port if port is None else port
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise StartupError(f"{PREFIX}HTTP_HOST/{PREFIX}HTTP_PORT: cannot listen on {host}:{port} "
                               f"({exc.strerror or exc})") from None
        self.context.state.loop.start()
        address = self._runner.addresses[0]
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{address[1]}"
        log.info("web server listening on %s", self.url)

    async def stop(self) -> None:
        await self.context.state.loop.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
