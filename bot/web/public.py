"""The public network page ``/`` and each space's page ``/spaces/SLUG``: server-rendered HTML for anyone.

Spaces by country with whether they are open now and how many are in (a count, never
who), and the upcoming events, in the visitor's language: ``?lang=xx`` (the page's
language switcher) or else their browser's ``Accept-Language``. No JavaScript and no
external resources, so the page works in any browser, behind any proxy, and leaks no
visit to a third party. Every text is a catalogue message (domain ``public``), every
value escaped by Jinja2's autoescaping or by the translator. The database is read in a
thread and the page rendered there too, so the event loop never waits on either.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from aiohttp import web
from babel.dates import get_day_names
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from bot.calendar_feeds import subscribe_links
from bot.config import LANGUAGES
from bot.events import describe_recurrence
from bot.i18n import Translator, translator
from bot.pages import natural_key
from bot.web.context import WebContext, context_of
from bot.web.public_data import PublicEvent, PublicSpace, network_page, space_page, zone

log = logging.getLogger(__name__)

#: Browsers and proxies may keep a page this long: counts and "open now" are a minute old at worst.
MAX_AGE = 60
_DAY_MINUTES = 24 * 60


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The templates, loaded and compiled once (from the installed package, as a wheel ships them)."""
    return Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(default=True),
                       auto_reload=False, trim_blocks=True, lstrip_blocks=True)


def accepted_language(header: str, default: str) -> str:
    """The first of our languages in an ``Accept-Language`` header by its q-values (``fr-CH;q=0.9``)."""
    wanted = []
    for position, part in enumerate(header[:2000].split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            wanted.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, code in sorted(wanted):
        if code in LANGUAGES:
            return code
        if code == "*":
            return default
    return default


def visitor_language(request: web.Request, default: str) -> tuple[str, bool]:
    """The page's language, and whether the visitor chose it (``?lang=``, carried on the page's links)."""
    chosen = request.query.get("lang", "").lower()
    if chosen in LANGUAGES:
        return chosen, True
    return accepted_language(request.headers.get("Accept-Language", ""), default), False


@lru_cache(maxsize=None)
def labels(lang: str) -> dict[str, Markup]:
    """The page's fixed texts in one language (made once: a page of 400 spaces formats little else)."""
    tr = translator(lang)
    return {
        "site": tr.t("Coworking network"), "skip": tr.t("Skip to the content"), "languages": tr.t("Language"),
        "open": tr.t("Open now"), "closed": tr.t("Closed now"), "no_hours": tr.t("Opening hours not given"),
        "network_title": tr.t("Spaces of the network"), "events_title": tr.t("Upcoming network events"),
        "no_spaces": tr.t("No spaces yet."), "no_events": tr.t("No upcoming network events."),
        "subscribe": tr.t("Subscribe to the network calendar"), "webcal": tr.t("Open in a calendar app"),
        "footer": tr.t("This page shows no personal data: how many people are in, never who."),
        "hours": tr.t("Opening hours"), "day": tr.t("Day"), "times": tr.t("Hours"), "closed_day": tr.t("Closed"),
        "around_the_clock": tr.t("Open around the clock"), "where": tr.t("Location"), "address": tr.t("Address"),
        "now": tr.t("Now"), "space_events": tr.t("Upcoming events"), "all_spaces": tr.t("All spaces of the network"),
        "network_event": tr.t("Open to the whole network"), "not_found": tr.t("Space not found"),
        "unavailable": tr.t("The page is starting"),
        "unavailable_text": tr.t("The network page is not ready yet. Please try again in a minute."),
    }


@lru_cache(maxsize=4096)
def _here(lang: str, n: int) -> Markup:
    """"3 people here now": the same few numbers on every line of a page, formatted once."""
    return translator(lang).tn("{n} person here now", "{n} people here now", n)


@lru_cache(maxsize=4096)
def _desks(lang: str, n: int | None) -> Markup | None:
    return translator(lang).tn("{n} desk", "{n} desks", n) if n else None


#: Sort keys of names and cities, computed once per text rather than on every view.
_sort_key = lru_cache(maxsize=8192)(natural_key)


class PageBuilder:
    """Turns the rows of :mod:`bot.web.public_data` into what the templates show, in one language."""

    def __init__(self, context: WebContext, lang: str, chosen: bool, path: str, now: datetime) -> None:
        self.tr: Translator = translator(lang)
        self.lang, self.now = lang, now
        self.site = context.settings.public_url or ""
        self.settings = context.settings
        self._query = f"?lang={lang}" if chosen else ""
        self.path = path

    def link(self, path: str) -> str:
        """A link on this site (under ``PUBLIC_URL`` when set), keeping a language the visitor chose."""
        return f"{self.site}{path}{self._query}"

    def page(self, title: Markup | str, **values: Any) -> dict[str, Any]:
        """What every page has: language, labels, the switcher (plain links, each in its own language)."""
        switcher = [{"code": code, "name": self.tr.language_name(code), "href": f"{self.site}{self.path}?lang={code}",
                     "current": code == self.lang} for code in LANGUAGES]
        return {"lang": self.lang, "labels": labels(self.lang), "title": title, "switcher": switcher,
                "home": self.link("/"), **values}

    def space(self, space: PublicSpace) -> dict[str, Any]:
        return {"name": space.name, "city": space.city, "country": self.tr.country(space.country),
                "href": self.link(f"/spaces/{quote(space.slug)}"), "open": space.open_at(self.now),
                "here": _here(self.lang, space.present), "desks": _desks(self.lang, space.capacity),
                "address": space.address}

    def event(self, event: PublicEvent) -> dict[str, Any]:
        tz = zone(event.timezone)
        when = self.tr.datetime(event.start, tz)
        if event.end is not None:
            same_day = event.end.astimezone(tz).date() == event.start.astimezone(tz).date()
            when = f"{when} – {self.tr.time(event.end, tz) if same_day else self.tr.datetime(event.end, tz)}"
        where = self.tr.t("Where: {location}", location=event.location) if event.location else None
        return {"title": event.title, "when": when, "zone": event.timezone, "location": where,
                "iso": event.start.astimezone(tz).isoformat(), "network": event.network,
                "recurrence": self._recurrence(event.rrule),
                "place": self.tr.t("At {space}, {city}", space=event.space_name, city=event.space_city),
                "space_href": self.link(f"/spaces/{quote(event.space_slug)}")}

    def _recurrence(self, rrule: str | None) -> str | None:
        """"weekly (Wednesday)"; nothing for a rule the bot cannot put in words (no raw RRULE for visitors)."""
        said = describe_recurrence(self.tr, rrule) if rrule else None
        return None if said == rrule else said

    def more(self, n: int) -> Markup | None:
        return self.tr.tn("{n} more upcoming event is in the calendar.", "{n} more upcoming events are in the calendar.",
                          n) if n else None

    def hours(self, space: PublicSpace) -> list[tuple[str, str]] | None:
        """(day, hours) from Monday, in the reader's words and clock; None when the space gave none."""
        week = space.week
        if week is None:
            return None
        names = get_day_names("wide", "stand-alone", locale=self.lang)
        words = labels(self.lang)
        rows = []
        for day, ranges in enumerate(week):
            if ranges == ((0, _DAY_MINUTES),):
                text = str(words["around_the_clock"])
            elif ranges:
                text = ", ".join(f"{self._clock(start)}–{self._clock(end)}" for start, end in ranges)
            else:
                text = str(words["closed_day"])
            rows.append((names[day], text))
        return rows

    def _clock(self, minutes: int) -> str:
        midnight = datetime(2000, 1, 3, tzinfo=timezone.utc)
        return "24:00" if minutes == _DAY_MINUTES else self.tr.time(midnight + timedelta(minutes=minutes), timezone.utc)


def render_network(builder: PageBuilder, context: WebContext) -> str:
    """The network page (runs in a thread: the database, then the template)."""
    assert context.sessions is not None
    with context.sessions() as session:
        data = network_page(session, builder.now)
        session.commit()  # the network feed's secret, made on its first showing
    tr = builder.tr
    by_country: dict[str, list[PublicSpace]] = {}
    for space in data.spaces:
        by_country.setdefault(space.country, []).append(space)
    countries = []
    for code in sorted(by_country, key=lambda c: _sort_key(tr.country(c))):
        spaces = sorted(by_country[code], key=lambda s: (_sort_key(s.city), _sort_key(s.name)))
        countries.append({"code": code, "name": tr.country(code), "spaces": [builder.space(s) for s in spaces],
                          "count": tr.tn("{n} space", "{n} spaces", len(spaces))})
    summary = tr.tn("{n} space in {countries}", "{n} spaces in {countries}", len(data.spaces),
                    countries=tr.tn("{n} country", "{n} countries", len(countries)))
    links = subscribe_links(builder.settings, data.feed_path)
    feed = {"https": links[0] if links else data.feed_path, "webcal": links[1] if links else None}
    values = builder.page(labels(builder.lang)["network_title"], summary=summary, countries=countries, feed=feed,
                          events=[builder.event(e) for e in data.events], more=builder.more(data.more_events))
    return templates().get_template("network.html").render(values)


def render_space(builder: PageBuilder, context: WebContext, slug: str) -> str | None:
    """A space's page, or None when no space has ``slug`` (runs in a thread)."""
    assert context.sessions is not None
    with context.sessions() as session:
        data = space_page(session, slug, builder.now)
    if data is None:
        return None
    space = data.space
    values = builder.page(space.name, space=builder.space(space), hours=builder.hours(space), zone=space.timezone,
                          zone_note=builder.tr.t("Times are in the space's time zone, {zone}.", zone=space.timezone),
                          events=[builder.event(e) for e in data.events], more=builder.more(data.more_events),
                          no_events=builder.tr.t("No upcoming events at {space}.", space=space.name))
    return templates().get_template("space.html").render(values)


def _html(body: str, lang: str, status: int = 200, **headers: str) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}" if status == 200 else "no-store"
    response.headers.update(headers)
    return response


def _builder(request: web.Request) -> PageBuilder:
    context = context_of(request)
    lang, chosen = visitor_language(request, context.settings.default_language)
    return PageBuilder(context, lang, chosen, request.rel_url.raw_path, context.clock())


def _unavailable(builder: PageBuilder) -> web.Response:
    """503 while the database is not open (a standby, the first seconds): in the visitor's language."""
    words = labels(builder.lang)
    body = templates().get_template("message.html").render(builder.page(words["unavailable"],
                                                                        text=words["unavailable_text"]))
    return _html(body, builder.lang, 503, **{"Retry-After": "10"})


async def network(request: web.Request) -> web.Response:
    """``/``: every space by country, open now, counts; the network's upcoming events."""
    context, builder = context_of(request), _builder(request)
    if context.sessions is None:
        return _unavailable(builder)
    try:
        body = await asyncio.to_thread(render_network, builder, context)
    except SQLAlchemyError as exc:
        log.warning("public page: database unavailable (%s)", type(exc).__name__)
        return _unavailable(builder)
    return _html(body, builder.lang)


async def space(request: web.Request) -> web.Response:
    """``/spaces/SLUG``: one space, its hours, its count, its upcoming events; 404 for an unknown slug."""
    context, builder = context_of(request), _builder(request)
    if context.sessions is None:
        return _unavailable(builder)
    slug = request.match_info["slug"]
    try:
        body = await asyncio.to_thread(render_space, builder, context, slug)
    except SQLAlchemyError as exc:
        log.warning("public page: database unavailable (%s)", type(exc).__name__)
        return _unavailable(builder)
    if body is None:
        words = labels(builder.lang)
        text = builder.tr.t("The network has no space “{slug}”.", slug=slug)
        page = builder.page(words["not_found"], text=text, back=words["all_spaces"])
        return _html(templates().get_template("message.html").render(page), builder.lang, 404)
    return _html(body, builder.lang)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", network)
    app.router.add_get("/spaces/{slug}", space)
