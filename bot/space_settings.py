"""A space's settings, set by its managers: ``/space set [SLUG] hours|capacity|lang|address VALUE``.

``/space create``, ``link`` and ``unlink`` stay with the coordinators (:mod:`bot.spaces`); the
``/space`` command comes here first so that ``set`` is checked against the managers of the
space it changes, not against the chat's role. The value checks are shared with the CSV import.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlmodel import select

from bot import spaces
from bot.config import LANGUAGES
from bot.context import Context, UserError
from bot.i18n import N_, Translator
from bot.messages import Reply
from bot.opening_hours import TEXT_MAX, describe_hours, is_open, osm_text, parse_hours, stored_hours
from bot.sanitize import bounded_int
from storage.models import Space

CAPACITY_MAX = 10000
ADDRESS_MAX = 200
CLEAR = "-"
USAGE = N_("Usage: {p}space set [SLUG] hours|capacity|lang|address VALUE (“-” clears hours, capacity or address).")
HOURS_COLUMN_MAX = 255  # Space.opening_hours


def space_command(ctx: Context, args: str) -> Reply:
    """/space set … for a space's managers; every other /space verb is a coordinator's."""
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() != "set":
        return spaces.space_command(ctx, args)
    words = rest.split(maxsplit=1)
    space = None
    if words and words[0].lower() not in SETTERS:  # /space set SLUG hours …: a space named by its slug
        space = ctx.session.exec(select(Space).where(Space.slug == words[0].lower())).first()
        if space is None:
            raise UserError(USAGE)
        rest = words[1] if len(words) > 1 else ""
    space = space or ctx.require_space()
    ctx.require_manager(space)
    name, value = (rest.split(maxsplit=1) + ["", ""])[:2]
    if not name:
        return Reply(Markup("\n").join([*settings_lines(ctx.tr, space, ctx.now),
                                        ctx.t("Change one with {p}space set hours|capacity|lang|address VALUE.")]))
    setter = SETTERS.get(name.lower())
    if setter is None or not value.strip():
        raise UserError(USAGE)
    reply = setter(ctx, space, value.strip())
    ctx.session.add(space)
    return reply


def checked_hours(text: str, lang: str = "en") -> str:
    """Opening hours as the canonical OSM text the space stores, or a UserError."""
    stored = osm_text(parse_hours(text, lang))
    if len(stored) > HOURS_COLUMN_MAX:
        raise UserError("Opening hours are limited to {limit} characters.", limit=TEXT_MAX)
    return stored


def checked_capacity(text: str) -> int:
    capacity = bounded_int(text, CAPACITY_MAX)
    if not capacity:
        raise UserError("A capacity is a number of desks from 1 to {max}.", max=CAPACITY_MAX)
    return capacity


def checked_address(text: str) -> str:
    address = " ".join(text.split())
    if len(address) > ADDRESS_MAX:
        raise UserError("An address is limited to {limit} characters (yours has {length}).",
                        limit=ADDRESS_MAX, length=len(address))
    return address


def checked_language(text: str) -> str:
    code = text.strip().lower()
    if code not in LANGUAGES:
        raise UserError("Unknown language {code}. Choose one of: {codes}.", code=text, codes=", ".join(LANGUAGES))
    return code


def open_now(tr: Translator, space: Space, now: datetime) -> Markup | None:
    """"open now" or "closed now" in the space's time zone; None when it has no hours."""
    week = stored_hours(space.opening_hours)
    if week is None:
        return None
    return tr.t("open now") if is_open(week, now.astimezone(ZoneInfo(space.timezone))) else tr.t("closed now")


def settings_lines(tr: Translator, space: Space, now: datetime, *, unset: bool = True) -> list[Markup]:
    """What a space has set: hours (and whether it is open now), capacity, language, address.

    ``unset=False`` leaves out the hours when none are set (the directory's view).
    """
    week = stored_hours(space.opening_hours)
    lines = [tr.t("<b>{space}</b> ({slug}), {city}, {country}", space=space.name, slug=space.slug,
                  city=space.city, country=tr.country(space.country))]
    if week is not None:
        lines.append(tr.t("Opening hours: {hours} ({status})", hours=describe_hours(week, tr),
                          status=open_now(tr, space, now)))
    elif unset:
        lines.append(tr.t("Opening hours: not set (check-ins end at {time})", time=_closing_time(tr, space)))
    if space.capacity:
        lines.append(tr.tn("Capacity: {n} desk", "Capacity: {n} desks", space.capacity))
    lines.append(tr.t("Language: {language}", language=tr.language_name(space.language)))
    if space.address:
        lines.append(tr.t("Address: {address}", address=space.address))
    return lines


def _closing_time(tr: Translator, space: Space) -> str:
    hour, minute = (int(part) for part in space.closing_time.split(":"))
    return tr.time(datetime(2000, 1, 3, hour, minute, tzinfo=ZoneInfo("UTC")), ZoneInfo("UTC"))


def _set_hours(ctx: Context, space: Space, value: str) -> Reply:
    if value == CLEAR:
        space.opening_hours = ""
        return Reply(ctx.t("<b>{space}</b> has no opening hours any more: check-ins end at {time}.",
                           space=space.name, time=_closing_time(ctx.tr, space)))
    space.opening_hours = checked_hours(value, ctx.lang)
    week = stored_hours(space.opening_hours)
    assert week is not None
    return Reply(ctx.t("Opening hours of <b>{space}</b>: {hours} ({status}).", space=space.name,
                       hours=describe_hours(week, ctx.tr), status=open_now(ctx.tr, space, ctx.now)))


def _set_capacity(ctx: Context, space: Space, value: str) -> Reply:
    if value == CLEAR:
        space.capacity = None
        return Reply(ctx.t("<b>{space}</b> has no capacity any more.", space=space.name))
    space.capacity = checked_capacity(value)
    return Reply(ctx.tn("<b>{space}</b> has {n} desk.", "<b>{space}</b> has {n} desks.", space.capacity,
                        space=space.name))


def _set_language(ctx: Context, space: Space, value: str) -> Reply:
    space.language = checked_language(value)
    return Reply(ctx.t("<b>{space}</b> now speaks {language}.", space=space.name,
                       language=ctx.tr.language_name(space.language)))


def _set_address(ctx: Context, space: Space, value: str) -> Reply:
    if value == CLEAR:
        space.address = ""
        return Reply(ctx.t("<b>{space}</b> has no address any more.", space=space.name))
    space.address = checked_address(value)
    return Reply(ctx.t("Address of <b>{space}</b>: {address}", space=space.name, address=space.address))


SETTERS = {"hours": _set_hours, "capacity": _set_capacity, "lang": _set_language, "language": _set_language,
           "address": _set_address}
