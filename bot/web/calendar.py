"""``/ical/SLUG-SECRET.ics`` and ``/ical/network-SECRET.ics``: the calendar feeds apps subscribe to.

Calendar apps poll a feed every few minutes to every few hours, each of them,
so a feed answers ``304 Not Modified`` when its ETag (a hash of the body, which
:mod:`bot.ical` makes the same for the same events) is the one the app already
has. The address is the only key (see :mod:`bot.calendar_feeds`): a wrong
secret and an unknown space get the same 404, nothing is logged with the
address, and caches between the app and us are told not to keep a copy.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.calendar_feeds import NETWORK, find_feed
from bot.i18n import N_, translator
from bot.ical import feed_calendar
from bot.web.context import WebContext, context_of
from bot.web.public import accepted_language

log = logging.getLogger(__name__)

#: Private (the address is a key: no shared cache keeps it), and checked again at every poll: a
#: rotated secret or a cancelled event shows at once, and an unchanged feed costs a 304.
CACHE_CONTROL = "private, no-cache"
UNAVAILABLE = N_("The calendar is not available yet. Please try again in a minute.")
NOT_FOUND = N_("There is no calendar at this address. Ask your space for its current link.")
_PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class FeedBody:
    data: bytes
    etag: str  # strong: the same bytes, the same tag
    file_name: str


def read_feed(context: WebContext, file_name: str) -> FeedBody | None:
    """The feed at ``/ical/FILE_NAME``, or None; blocking (database, then the calendar), so in a thread."""
    assert context.sessions is not None
    with context.sessions() as session:
        feed = find_feed(session, file_name)
        if feed is None:
            return None
        data = feed_calendar(session, feed.space, context.clock(), context.settings)
        name = feed.space.slug if feed.space is not None else NETWORK
    return FeedBody(data, hashlib.sha256(data).hexdigest()[:40], f"{name}.ics")


def _not_modified(request: web.Request, etag: str) -> bool:
    """``If-None-Match`` holds ``etag`` or ``*`` (weak comparison, as RFC 9110 says for this header)."""
    return any(tag.value in (etag, "*") for tag in request.if_none_match or ())


def _plain(request: web.Request, status: int, text: str) -> web.Response:
    """A short line for whoever opens the address in a browser, in their language; never cached."""
    lang = accepted_language(request.headers.get("Accept-Language", ""), context_of(request).settings.default_language)
    headers = {"Cache-Control": "no-store", "Content-Language": lang, **_PRIVATE}
    if status == 503:
        headers["Retry-After"] = "10"
    return web.Response(status=status, text=str(translator(lang).t(text)), headers=headers)


async def feed(request: web.Request) -> web.StreamResponse:
    """One feed: 200 with the calendar, 304 when unchanged, 404 for a wrong address, 503 before the database."""
    context = context_of(request)
    if context.sessions is None:
        return _plain(request, 503, UNAVAILABLE)
    try:
        body = await asyncio.to_thread(read_feed, context, request.match_info["file"])
    except SQLAlchemyError as exc:
        log.warning("calendar feed: database unavailable (%s)", type(exc).__name__)  # never the address
        return _plain(request, 503, UNAVAILABLE)
    if body is None:
        return _plain(request, 404, NOT_FOUND)
    headers = {"Cache-Control": CACHE_CONTROL, **_PRIVATE}
    if _not_modified(request, body.etag):
        response = web.Response(status=304, headers=headers)
    else:
        headers["Content-Disposition"] = f'attachment; filename="{body.file_name}"'
        response = web.Response(body=body.data, content_type="text/calendar", charset="utf-8", headers=headers)
    response.etag = body.etag
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ical/{file}", feed)
