"""What every route of the web application shares: a :class:`WebContext`, filled in as the process starts."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from bot.config import Settings
from bot.health import ProcessState
from storage.db import SessionFactory
from storage.types import utcnow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class WebContext:
    """What the routes read; set piece by piece as the process starts."""

    settings: Settings
    state: ProcessState = field(default_factory=ProcessState)
    #: Sessions for reading (None until the database opens).
    sessions: SessionFactory | None = None
    #: Platform → the handler of its pushed updates (set by the adapter when it starts; see webhook routes).
    webhooks: dict[str, Handler] = field(default_factory=dict)
    #: "Now" for pages that show what is open and who is in (tests set a fixed clock).
    clock: Callable[[], datetime] = utcnow


CONTEXT: web.AppKey[WebContext] = web.AppKey("context", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
