"""``/metrics``: the Prometheus text format (see :mod:`bot.metrics`)."""
from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Not yet served (a helper fills this in this session)."""
