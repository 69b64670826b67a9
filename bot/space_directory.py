"""/spaces: the directory of the network's spaces, searchable and in pages.

``/spaces`` alone lists every space while they fit on one page; in a larger network it
lists the countries first (with how many spaces each has) and how to narrow the list.
``/spaces HR`` shows one country's spaces, ``/spaces Split`` those whose city or name
contains the text (case and accents aside); a last word that is a number is the page.
Each space shows whether it is open now, in its own time zone, and who is in now.
"""
from __future__ import annotations

from collections import Counter

from markupsafe import Markup
from sqlmodel import col, func, select

from bot.checkins import present_counts
from bot.context import Context
from bot.i18n import is_valid_country
from bot.messages import Button, Reply
from bot.pages import PAGE_SIZE, fold, natural_key, page_buttons, page_footer, page_of, split_page
from bot.space_settings import open_now, settings_lines
from storage.models import Member, Space

COUNTRY_BUTTONS_A_ROW = 3


def spaces_directory(ctx: Context, args: str) -> Reply:
    """/spaces [COUNTRY | TEXT] [PAGE]"""
    query, number = split_page(args)
    every = list(ctx.session.exec(select(Space)))
    if not every:
        return Reply(ctx.t("No spaces yet. A coordinator creates one with {p}space create."))
    if not query and len(every) > PAGE_SIZE:
        return _countries(ctx, every, number)
    chosen = _matching(ctx, every, query) if query else every
    if not chosen:
        return Reply(ctx.t("No space matches “{query}”. Send {p}spaces to see them all.", query=query))
    chosen.sort(key=lambda s: (natural_key(ctx.tr.country(s.country)), natural_key(s.city), natural_key(s.name)))
    page = page_of(chosen, number)
    if not query:
        lines = [ctx.t("<b>Spaces of the network</b>")]
    elif _country_code(query):
        lines = [ctx.t("<b>Spaces in {country}</b>", country=ctx.tr.country(query))]
    else:
        lines = [ctx.t("<b>Spaces matching “{query}”</b>", query=query)]
    lines += _space_lines(ctx, list(page.items))
    if len(chosen) == 1:
        lines += settings_lines(ctx.tr, chosen[0], ctx.now, unset=False)[1:]
    footer = page_footer(ctx.tr, page)
    command = f"/spaces {query}" if query else "/spaces"
    return Reply(Markup("\n").join(lines + ([footer] if footer else [])), buttons=page_buttons(ctx.tr, page, command))


def _country_code(query: str) -> bool:
    return len(query) == 2 and is_valid_country(query)


def _matching(ctx: Context, spaces: list[Space], query: str) -> list[Space]:
    """One country's spaces (``HR``), or those whose name, city, slug or country contains ``query``."""
    if _country_code(query):
        return [s for s in spaces if s.country == query.upper()]
    wanted = fold(query)
    return [s for s in spaces
            if any(wanted in fold(text) for text in (s.name, s.city, s.slug, ctx.tr.country(s.country)))]


def _space_lines(ctx: Context, spaces: list[Space]) -> list[Markup]:
    ids = [s.id for s in spaces]
    members = dict(ctx.session.exec(
        select(Member.home_space_id, func.count()).where(col(Member.home_space_id).in_(ids))
        .group_by(Member.home_space_id)
    ).all())
    present = present_counts(ctx.session, ctx.now)
    lines = []
    for space in spaces:
        counts = ctx.tn("{n} member", "{n} members", members.get(space.id, 0))
        n = present.get(space.id, 0)
        if space.capacity:
            here = ctx.tn("{n} / {capacity} here now", "{n} / {capacity} here now", n, capacity=space.capacity)
        else:
            here = ctx.tn("{n} here now", "{n} here now", n)
        line = ctx.t("• <b>{name}</b> ({slug}), {city}, {country}: {members}, {here}",
                     name=space.name, slug=space.slug, city=space.city,
                     country=ctx.tr.country(space.country), members=counts, here=here)
        status = open_now(ctx.tr, space, ctx.now)
        lines.append(line + Markup(", ") + status if status else line)
    return lines


def _countries(ctx: Context, spaces: list[Space], number: int) -> Reply:
    """Countries first: a network too big for one page is narrowed by country or by a search."""
    per_country = Counter(space.country for space in spaces)
    codes = sorted(per_country, key=lambda code: natural_key(ctx.tr.country(code)))
    page = page_of(codes, number)
    lines = [ctx.tn("<b>Spaces of the network</b>: {n} space in {countries}",
                    "<b>Spaces of the network</b>: {n} spaces in {countries}", len(spaces),
                    countries=ctx.tn("{n} country", "{n} countries", len(codes)))]
    for code in page.items:
        lines.append(ctx.tn("• {country} ({code}): {n} space", "• {country} ({code}): {n} spaces",
                            per_country[code], country=ctx.tr.country(code), code=code))
    lines.append(ctx.t("Send {p}spaces HR for one country's spaces, or {p}spaces NAME to find a city or a space."))
    footer = page_footer(ctx.tr, page)
    buttons = [Button(ctx.tr.country(code), f"/spaces {code}") for code in page.items]
    rows = [buttons[i:i + COUNTRY_BUTTONS_A_ROW] for i in range(0, len(buttons), COUNTRY_BUTTONS_A_ROW)]
    return Reply(Markup("\n").join(lines + ([footer] if footer else [])),
                 buttons=rows + page_buttons(ctx.tr, page, "/spaces"))
