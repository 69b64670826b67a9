"""Routes of the web application: calendar (being written)."""
from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Not yet served (a helper fills this in this session)."""
