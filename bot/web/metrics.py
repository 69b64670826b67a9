"""``/metrics``: the Prometheus text format (see :mod:`bot.metrics`).

A scrape reads the database (outbox, open check-ins) and renders in a thread,
so the event loop keeps answering the platforms meanwhile. A database that
hangs must not pile up threads, one per scrape, until the outbox and the jobs
find none left (they share that pool): one read at a time is in flight, every scrape
shares it, and a scrape waits ``patience`` seconds at most before answering
without the database's figures.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import DatabaseFigures, exposition, read_database
from bot.web.context import context_of
from storage.db import SessionFactory

log = logging.getLogger(__name__)


class DatabaseReads:
    """At most one :func:`~bot.metrics.read_database` in flight; each scrape waits ``patience`` at most."""

    def __init__(self, patience: float = 5.0) -> None:
        self.patience = patience
        self._reading: asyncio.Future[DatabaseFigures] | None = None

    async def figures(self, sessions: SessionFactory | None, now: datetime) -> DatabaseFigures | None:
        """The figures, or None: no database yet, it failed, or it is still thinking."""
        if sessions is None:
            return None
        if self._reading is None:
            self._reading = asyncio.ensure_future(asyncio.to_thread(read_database, sessions, now))
            self._reading.add_done_callback(self._done)
        reading = self._reading
        done, _ = await asyncio.wait({reading}, timeout=self.patience)
        if not done or reading.cancelled() or reading.exception() is not None:
            return None
        return reading.result()

    def _done(self, reading: asyncio.Future[DatabaseFigures]) -> None:
        self._reading = None
        if not reading.cancelled() and reading.exception() is not None:  # by its class: never a URL or secret
            log.warning("metrics: the database did not answer (%s)", type(reading.exception()).__name__)


READS: web.AppKey[DatabaseReads] = web.AppKey("metrics_reads", DatabaseReads)


async def metrics(request: web.Request) -> web.Response:
    """Every metric, in the content type Prometheus asks for."""
    context = context_of(request)
    figures = await request.app[READS].figures(context.sessions, context.clock())
    body = await asyncio.to_thread(exposition, context.state, figures)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application) -> None:
    app[READS] = DatabaseReads()
    app.router.add_get("/metrics", metrics)
