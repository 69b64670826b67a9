"""The Telegram webhook route: ``POST`` at the path of ``TELEGRAM_WEBHOOK_URL``.

The reverse proxy forwards Telegram's https request to this path. The route
knows nothing of Telegram: the adapter, while this process leads, puts its
handler into :attr:`WebContext.webhooks` (it checks the secret header, keeps
and dispatches the update). Until then (a standby, a start still under way,
a stop) the answer is 503, so Telegram keeps the update and tries again.
Without ``TELEGRAM_WEBHOOK_URL`` there is no route at all.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from aiohttp import web

from bot.web.context import CONTEXT, context_of

PLATFORM = "telegram"


async def telegram_update(request: web.Request) -> web.StreamResponse:
    """Hand the request to the leader's adapter; 503 (retry later) while none is receiving."""
    handler = context_of(request).webhooks.get(PLATFORM)
    if handler is None:
        return web.Response(status=503, text="not receiving updates yet", headers={"Retry-After": "5"})
    return await handler(request)


def webhook_path(url: str) -> str:
    """The local path of the public webhook address (the proxy keeps the path)."""
    return unquote(urlsplit(url).path) or "/"


def add_routes(app: web.Application) -> None:
    url = app[CONTEXT].settings.telegram_webhook_url
    if url:
        # A plain resource: braces in the path are characters, not aiohttp's {variables}.
        resource = web.PlainResource(webhook_path(url))
        app.router.register_resource(resource)
        resource.add_route("POST", telegram_update)
