"""Spaces of the network and the chats linked to them (/space create, link, unlink)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.config import LANGUAGES
from bot.context import Context, Refusal, Role, UserError
from bot.i18n import country_language, is_valid_country
from bot.messages import ChatRef, Reply
from storage.models import ChatLink, Manager, Space

NAME_MAX = 100
SLUG_MAX = 48
# The tz database's areas of real places. "Etc/GMT+5", "Factory", "UTC", "EST5EDT" or the legacy
# "US/Eastern" are offsets, rules or aliases, not the place whose hours and events a space follows.
GEOGRAPHIC_AREAS = frozenset("Africa America Antarctica Arctic Asia Atlantic Australia Europe Indian Pacific".split())


def slugify(name: str) -> str:
    """``Make It Marseille`` → ``make-it-marseille``, ``Ωμέγα`` → ``omega``, ``東京`` → ``dong-jing``."""
    from slugify import slugify as transliterated  # imported when a space is created, not at every start

    return transliterated(name, max_length=SLUG_MAX) or "space"


def name_key(name: str) -> str:
    """What makes two space names the same: case, accents and spacing aside (``Café  Hub`` = ``cafe hub``)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def same_name_space(session: Session, name: str) -> Space | None:
    """The space already called ``name`` (case- and accent-insensitive), if any.

    Names that match have the same base slug, so only the spaces with that slug or
    its numbered variants are read, not the whole network.
    """
    base, key = slugify(name), name_key(name)
    candidates = session.exec(select(Space).where((Space.slug == base) | col(Space.slug).like(f"{base}-%")))
    return next((space for space in candidates if name_key(space.name) == key), None)


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every zone of the tz database by its case-folded name (read once, on first use)."""
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(text: str) -> str:
    """``europe/paris`` → ``Europe/Paris``; a UserError for an unknown zone or one that is not a place's."""
    name = _zone_names().get(text.strip().casefold(), text.strip())
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("{tz} is not a time zone I know (e.g. Europe/Paris).", tz=text) from None
    if "/" not in name or name.split("/", 1)[0] not in GEOGRAPHIC_AREAS:
        raise UserError("{tz} is not the time zone of a place. Give a region and a city, e.g. Europe/Paris.",
                        tz=name)
    return name


def unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while session.exec(select(Space.id).where(Space.slug == slug)).first() is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def validate_space_fields(fields: list[str], default_language: str = "en") -> tuple[str, str, str, str, str]:
    """NAME | CITY | COUNTRY | TIMEZONE [| LANG] → checked values, or a UserError saying which is wrong.

    Without LANG the space speaks its country's language (a Croatian space Croatian), else ``default_language``.
    """
    if len(fields) not in (4, 5) or not all(fields[:4]):
        raise UserError("Usage: {p}space create NAME | CITY | COUNTRY | TIMEZONE [| LANG]")
    name, city, country, tz = fields[:4]
    lang = fields[4].lower() if len(fields) == 5 and fields[4] else country_language(country, default_language)
    if len(name) > NAME_MAX or len(city) > NAME_MAX:
        raise UserError("Names are limited to {limit} characters.", limit=NAME_MAX)
    if not is_valid_country(country):
        raise UserError("{country} is not a two-letter country code (e.g. FR, IT, HR).", country=country)
    tz = canonical_timezone(tz)
    if lang not in LANGUAGES:
        raise UserError("Unknown language {code}. Choose one of: {codes}.", code=lang, codes=", ".join(LANGUAGES))
    return name, city, country.upper(), tz, lang


def create_space(session: Session, fields: list[str], default_language: str = "en") -> Space:
    """Create a space from the ``/space create`` fields (also used by the CSV import)."""
    name, city, country, tz, lang = validate_space_fields(fields, default_language)
    twin = same_name_space(session, name)
    if twin is not None:
        raise UserError("There is already a space called {name} ({slug}).", name=twin.name, slug=twin.slug)
    space = Space(slug=unique_slug(session, name), name=name, city=city, country=country, timezone=tz, language=lang)
    session.add(space)
    session.flush()
    return space


def link_chat(session: Session, chat: ChatRef, space: Space) -> None:
    """Link ``chat`` to ``space`` (moving it if it was linked elsewhere).

    Moving ends the manager rights its admins had on the old space through it,
    as unlinking does (there by the foreign key's cascade).
    """
    link = session.exec(
        select(ChatLink).where(ChatLink.platform == chat.platform, ChatLink.chat_id == chat.chat_id)
    ).first()
    if link is None:
        link = ChatLink(platform=chat.platform, chat_id=chat.chat_id, space_id=space.id)
    elif link.space_id != space.id:
        session.execute(delete(Manager).where(Manager.chat_link_id == link.id))  # type: ignore[arg-type]
    link.space_id = space.id
    session.add(link)


def linked_chats(session: Session, space_ids: list[int] | None = None) -> list[ChatLink]:
    """Chats linked to the given spaces (all spaces when None)."""
    query = select(ChatLink).order_by(ChatLink.id)
    if space_ids is not None:
        query = query.where(col(ChatLink.space_id).in_(space_ids))
    return list(session.exec(query))


def space_by_slug(session: Session, slug: str) -> Space:
    space = session.exec(select(Space).where(Space.slug == slug.strip().lower())).first()
    if space is None:
        raise UserError("There is no space called {slug}. See {p}spaces.", slug=slug.strip() or "?")
    return space


def space_command(ctx: Context, args: str) -> Reply:
    """/space create NAME | CITY | COUNTRY | TIMEZONE [| LANG] ; /space link SLUG ; /space unlink (coordinators)

    ``/space set`` (a space's managers) is :mod:`bot.space_settings`.
    """
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    chat = ctx.message.chat
    if ctx.role < Role.COORDINATOR:
        raise Refusal("Only a network coordinator can do that.")
    if verb == "create":
        space = create_space(ctx.session, [f.strip() for f in rest.split("|")], ctx.settings.default_language)
        if not chat.is_direct:
            link_chat(ctx.session, chat, space)
            return Reply(ctx.t("Space <b>{name}</b> created ({slug}) and linked to this chat.", name=space.name, slug=space.slug))
        return Reply(ctx.t("Space <b>{name}</b> created ({slug}). Link a group to it with {p}space link {slug}.", name=space.name, slug=space.slug))
    if verb == "link":
        if chat.is_direct:
            raise UserError("Link a group or room, not a direct chat.")
        space = space_by_slug(ctx.session, rest)
        link_chat(ctx.session, chat, space)
        return Reply(ctx.t("This chat is now linked to <b>{name}</b>.", name=space.name))
    if verb == "unlink":
        link = ctx.session.exec(
            select(ChatLink).where(ChatLink.platform == chat.platform, ChatLink.chat_id == chat.chat_id)
        ).first()
        if link is None:
            raise UserError("This chat is not linked to any space.")
        ctx.session.delete(link)
        return Reply(ctx.t("This chat is no longer linked to a space."))
    raise UserError("Usage: {p}space create NAME | CITY | COUNTRY | TIMEZONE [| LANG], {p}space link SLUG, "
                    "{p}space unlink, {p}space set [SLUG] hours|capacity|lang|address VALUE")


def room_of_space(session: Session, platform: str, slug: str) -> str | None:
    """A chat of ``platform`` linked to the space, linking a new one named after it if none.

    Used by the console's ``:in SLUG``, where a "room" is just a name.
    """
    space = session.exec(select(Space).where(Space.slug == slug.strip().lower())).first()
    if space is None:
        return None
    link = session.exec(
        select(ChatLink).where(ChatLink.platform == platform, ChatLink.space_id == space.id).order_by(ChatLink.id)
    ).first()
    if link is not None:
        return link.chat_id
    link_chat(session, ChatRef(platform, space.slug), space)
    session.commit()
    return space.slug
